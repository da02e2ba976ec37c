/* SPDX-License-Identifier: ISC */
/* html.c: the escaper and the frame of the -F html pages (html.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ftpaudit/fmt.h"
#include "html.h"

/* The escaper; lines: newlines and tabs kept, for a <pre>. */
static void
escape(FILE *f, const uint8_t *p, size_t len, bool lines)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = p[i];
		const char *ent = NULL;

		if (lines && (c == '\n' || c == '\t')) {
			run++;
			continue;
		}
		switch (c) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default:
			if (c >= 0x20 && c < 0x7f && c != '\\') {
				run++;
				continue;
			}
		}
		/* Plain runs go out in one write. */
		if (run > 0)
			fwrite(p + i - run, 1, run, f);
		run = 0;
		if (ent != NULL)
			fputs(ent, f);
		else {
			fputc('\\', f);
			fputc('x', f);
			fputc(hex[c >> 4], f);
			fputc(hex[c & 15], f);
		}
	}
	if (run > 0)
		fwrite(p + len - run, 1, run, f);
}

void
html_esc(FILE *f, const uint8_t *p, size_t len)
{
	escape(f, p, len, false);
}

void
html_pre(FILE *f, const uint8_t *p, size_t len)
{
	fputs("<pre>", f);
	escape(f, p, len, true);
	fputs("</pre>\n", f);
}

int
html_pre_of(FILE *f, int (*draw)(const void *, FILE *),
    const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return -1;
	rc = draw(arg, m);
	if (fclose(m) == EOF)
		rc = -1;
	if (rc == 0 && len > 0)
		html_pre(f, (const uint8_t *)buf, len);
	free(buf);
	return rc;
}

void
html_esc_cut(FILE *f, const uint8_t *p, size_t len, size_t max)
{
	if (len <= max) {
		html_esc(f, p, len);
		return;
	}
	html_esc(f, p, max);
	fputs("...", f);
}

void
html_str(FILE *f, const char *s)
{
	if (s != NULL)
		html_esc(f, (const uint8_t *)s, strlen(s));
}

void
html_endpoint(FILE *f, const struct fa_endpoint *e, int port_known)
{
	char a[FA_ENDPOINTLEN];

	if (!port_known) {
		html_str(f, fa_addr_str(&e->ip, a));
		return;
	}
	/* fmt_endpoint's "[v6]:port" and "v4:port": digits, hex, dots and
	 * colons, nothing to escape. */
	fwrite(a, 1, fmt_endpoint(a, e, true), f);
}

static const char css[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff}"
"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em;"
"border-bottom:1px solid #ccc}h3{font-size:1.05em;margin:.8em 0 .3em}"
"table{border-collapse:collapse;margin:.3em 0}td,th{padding:1px 8px;"
"border-bottom:1px solid #eee;text-align:left;white-space:nowrap}"
"th{background:#f0f0f0;position:sticky;top:0}table.sortable th{cursor:pointer}"
"table.sortable th:after{content:' \\2195';color:#aaa}"
"td.n,th.n{text-align:right}code,.mono{font-family:ui-monospace,monospace;font-size:13px}"
".kv td:first-child{color:#555}.note{color:#555;font-size:13px}"
"table.st{table-layout:fixed;width:1275px;margin:0}table.st td{overflow:hidden;"
"text-overflow:ellipsis}#sessions-head{position:sticky;top:0;z-index:1}"
"#sessions-head th{cursor:pointer}#sessions-head th:after{content:' \\2195';color:#aaa}"
".chunk{content-visibility:auto;contain-intrinsic-size:auto 11000px}"
".st td:nth-child(1),.st th:nth-child(1){width:60px;text-align:right}"
".st td:nth-child(2),.st th:nth-child(2),.st td:nth-child(3),.st th:nth-child(3)"
"{width:190px}.st td:nth-child(4),.st th:nth-child(4){width:130px}"
".st td:nth-child(5),.st th:nth-child(5){width:235px}"
".st td:nth-child(6),.st th:nth-child(6){width:70px;text-align:right}"
".st td:nth-child(7),.st th:nth-child(7){width:70px}"
".st td:nth-child(8),.st th:nth-child(8){width:80px;text-align:right}"
".st td:nth-child(9),.st th:nth-child(9){width:90px;text-align:right}"
".st td:nth-child(10),.st th:nth-child(10){width:85px;text-align:right}"
".st td:nth-child(11),.st th:nth-child(11){width:75px}"
".st tr.lf td:nth-child(7){color:#c62828;font-weight:600}"
".st tr.lo td:nth-child(7){color:#2e7d32}"
".st tr.a td:nth-child(10){color:#e67e00;font-weight:600}"
"#sessions tbody tr{cursor:pointer}#sessions tbody tr:hover{background:#eef5ff}"
"#sessions tr.sel{background:#d7e8ff}tr.a td:first-child{border-left:4px solid #e67e00}"
".bad{color:#c62828;font-weight:600}.ok{color:#2e7d32}.warn{color:#e67e00;font-weight:600}"
".ind{color:#6a1b9a;font-weight:600}.tag{display:inline-block;padding:0 6px;border-radius:3px;"
"color:#fff;font-size:12px}.t-accept{background:#2e7d32}.t-drop,.t-reject{background:#c62828}"
".t-indeterminate{background:#6a1b9a}.scroll{max-height:420px;overflow:auto;border:1px solid #ddd}"
".ladder{display:none;border:1px solid #bbb;padding:.5em 1em;margin:.5em 0;background:#fcfcfc}"
".ladder.shown{display:block}svg text{font:12px ui-monospace,monospace}"
".tlr{cursor:pointer}.tlr:hover rect.c{stroke:#000}"
".legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:14px;"
"height:10px;margin-right:4px;vertical-align:middle}"
"pre{background:#f6f6f6;padding:.5em;overflow:auto}"
".cols{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}"
"#filter{margin:.4em 0}#filter input[type=search]{width:22em}";

/* Sorting (any table.sortable, by the cell's data-v or its text), the
 * session table's filter, and a session's ladder on a click on its row
 * or its timeline bar.  Tolerant of a page that lacks any of them. */
static const char js[] =
"(function(){'use strict';"
"function key(c,num){var v=c.getAttribute('data-v');if(v===null)v=c.textContent;"
"return num?(parseFloat(v)||0):v.toLowerCase();}"
"document.querySelectorAll('table.sortable').forEach(function(t){"
"var ths=t.tHead?t.tHead.rows[0].cells:[];"
"Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){"
"var b=t.tBodies[0],num=th.classList.contains('n'),asc=th.getAttribute('data-dir')!=='a';"
"th.setAttribute('data-dir',asc?'a':'d');"
"var rows=Array.prototype.slice.call(b.rows).map(function(r){return[key(r.cells[i],num),r];});"
"rows.sort(function(x,y){return(x[0]<y[0]?-1:x[0]>y[0]?1:0)*(asc?1:-1);});"
"var f=document.createDocumentFragment();rows.forEach(function(x){f.appendChild(x[1]);});"
"b.appendChild(f);});});});"
"var st=document.getElementById('sessions'),q=document.getElementById('q'),"
"an=document.getElementById('anom'),cnt=document.getElementById('shown'),tm=0;"
/* The session table is in chunks (report_html.c): its rows are sorted
 * as one list and dealt out to the chunks again. */
"function srows(){return Array.prototype.slice.call(st.querySelectorAll('.chunk tr'));}"
"var sh=document.getElementById('sessions-head');"
"if(st&&sh)Array.prototype.forEach.call(sh.tHead.rows[0].cells,function(th,i){"
"th.addEventListener('click',function(){var num=th.classList.contains('n'),"
"asc=th.getAttribute('data-dir')!=='a';th.setAttribute('data-dir',asc?'a':'d');"
"var rows=srows().map(function(r){return[key(r.cells[i],num),r];});"
"rows.sort(function(x,y){return(x[0]<y[0]?-1:x[0]>y[0]?1:0)*(asc?1:-1);});"
"var bs=st.querySelectorAll('.chunk tbody'),per=Math.ceil(rows.length/bs.length);"
"for(var k=0;k<bs.length;k++){var f=document.createDocumentFragment();"
"rows.slice(k*per,(k+1)*per).forEach(function(x){f.appendChild(x[1]);});"
"bs[k].appendChild(f);}filt();});});"
"function filt(){var s=q.value.toLowerCase(),a=an.checked,n=0;"
"st.querySelectorAll('.chunk').forEach(function(c){var m=0,rows=c.querySelectorAll('tr');"
"for(var i=0;i<rows.length;i++){var r=rows[i],ok=(!a||r.classList.contains('a'))&&"
"(!s||r.textContent.toLowerCase().indexOf(s)>=0);r.hidden=!ok;if(ok)m++;}"
"c.hidden=m===0;n+=m;});cnt.textContent=n;}"
"if(st&&q&&an&&cnt){q.addEventListener('input',function(){clearTimeout(tm);"
"tm=setTimeout(filt,150);});an.addEventListener('change',filt);}"
"function show(id){var o=document.querySelector('.ladder.shown');if(o)o.classList.remove('shown');"
"var s=document.querySelector('#sessions tr.sel');if(s)s.classList.remove('sel');"
"var r=st?st.querySelector('tr[data-session-id=\"'+id+'\"]'):null;if(r)r.classList.add('sel');"
"var l=document.getElementById('L'+id),nd=document.getElementById('nodetail');"
"if(l){if(nd)nd.hidden=true;l.classList.add('shown');l.scrollIntoView();}"
"else if(nd){nd.querySelector('span').textContent=id;nd.hidden=false;nd.scrollIntoView();}}"
"if(st)st.addEventListener('click',function(e){"
"var r=e.target.closest('tr[data-session-id]');if(r)show(r.getAttribute('data-session-id'));});"
"document.querySelectorAll('[data-tl]').forEach(function(g){g.addEventListener('click',"
"function(){show(g.getAttribute('data-tl'));});});"
"})();";

void
html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
	    "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>", f);
	html_str(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>", css);
	html_str(f, title);
	fputs("</h1>\n", f);
}

void
html_end(FILE *f)
{
	fprintf(f, "<script>%s</script>\n</body></html>\n", js);
}
