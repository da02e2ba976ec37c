#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Validate ftpaudit JSON output against a JSON Schema (draft 2020-12).

usage: schema_check.py SCHEMA.json[#/POINTER] [--ndjson] FILE...

Each FILE is one JSON document (ftpaudit analyze -F json), or with --ndjson
one document per non-empty line (ftpaudit analyze -F ndjson); "-" reads
standard input.  SCHEMA may name a subschema with a JSON pointer, e.g.
schema/report.schema.json#/$defs/session; schema/session.schema.json says
the same.  Every *.schema.json next to SCHEMA is loaded too, so that
references between them resolve offline.  Formats (ipv4, ipv6, date-time)
are checked where the jsonschema module can.

One line per failure: FILE[:LINE]: $.json.path: message.  Then a closing
line "N passed, M failed".  Exit 0 when every document passed, 1 when one
failed, 2 on a usage error or an unusable schema.
"""

import glob
import json
import os
import sys
import urllib.parse

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # the caller decides whether this is a skip
    sys.stderr.write("schema_check.py: %s\n" % e)
    sys.exit(2)

MAX_MESSAGE = 300


def usage(msg=None):
    if msg:
        sys.stderr.write("schema_check.py: %s\n" % msg)
    sys.stderr.write("usage: schema_check.py SCHEMA.json[#/POINTER] [--ndjson] FILE...\n")
    sys.exit(2)


def reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def loads(text):
    """Strict JSON: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=reject_constant)


def json_path(parts):
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        elif p.isidentifier():
            out += "." + p
        else:
            out += "[%s]" % json.dumps(p)
    return out


def resolve_pointer(doc, pointer):
    node = doc
    if pointer in ("", "/"):
        return node
    for raw in pointer.lstrip("/").split("/"):
        key = urllib.parse.unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node[key]
    return node


def load_schemas(path):
    """The schema at path and every *.schema.json beside it, by URI."""
    store = {}
    directory = os.path.dirname(os.path.abspath(path))
    names = set(glob.glob(os.path.join(directory, "*.schema.json")))
    names.add(os.path.abspath(path))
    main = None
    for name in sorted(names):
        with open(name, encoding="utf-8") as f:
            doc = loads(f.read())
        Draft202012Validator.check_schema(doc)
        uris = ["file://" + urllib.parse.quote(name)]
        if isinstance(doc, dict) and "$id" in doc:
            uris.append(doc["$id"])
        for uri in uris:
            store[uri.rstrip("#")] = doc
        if name == os.path.abspath(path):
            main = doc
    return main, store


def make_validator(schema_arg):
    path, _, pointer = schema_arg.partition("#")
    main, store = load_schemas(path)
    base = main.get("$id") if isinstance(main, dict) else None
    base = base or "file://" + urllib.parse.quote(os.path.abspath(path))
    schema = main
    if pointer:
        # Refer to the subschema so that its own references resolve in the
        # document it lives in.
        schema = {"$ref": base + "#" + pointer}
        resolve_pointer(main, pointer)      # fail early on a bad pointer
    checker = getattr(Draft202012Validator, "FORMAT_CHECKER", None)
    if checker is None:
        checker = jsonschema.FormatChecker()
    try:
        # jsonschema >= 4.18: referencing registry.
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
        registry = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in store.items())
        if pointer:
            schema = dict(schema, **{"$schema": "https://json-schema.org/draft/2020-12/schema"})
        return Draft202012Validator(schema, registry=registry, format_checker=checker)
    except ImportError:
        resolver = jsonschema.RefResolver(base, main, store=store)
        return Draft202012Validator(schema, resolver=resolver, format_checker=checker)


def short(err):
    """One error's message, naming a pattern by its schema's title."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator in ("pattern", "format") and "title" in schema:
        return "%s is not a valid %s" % (json.dumps(err.instance)[:120], schema["title"])
    return err.message


def leaves(err):
    """The errors under an anyOf/oneOf, minus the "or null" branches."""
    if not err.context:
        return [err]
    out = []
    for sub in err.context:
        if sub.validator == "type" and sub.validator_value == "null":
            continue
        out.extend(leaves(sub))
    return out or [err]


def describe(err):
    """Where and why, the most specific reasons first."""
    subs = leaves(err) if err.validator in ("anyOf", "oneOf") else [err]
    deepest = max(len(e.absolute_path) for e in subs)
    subs = [e for e in subs if len(e.absolute_path) == deepest]
    msgs = []
    for e in subs:
        m = short(e)
        if m not in msgs:
            msgs.append(m)
    if len(subs) > 1 and all(e.validator in ("pattern", "format") for e in subs):
        titles = [e.schema.get("title") for e in subs if isinstance(e.schema, dict)]
        if all(titles):
            msgs = ["%s is not a valid %s" % (json.dumps(subs[0].instance)[:120],
                                              " or ".join(dict.fromkeys(titles)))]
    msg = "; or ".join(msgs)
    if len(msg) > MAX_MESSAGE:
        msg = msg[:MAX_MESSAGE] + "..."
    return json_path(subs[0].absolute_path), msg


def check(validator, where, doc, failures):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        path, msg = describe(err)
        print("%s: %s: %s" % (where, path, msg))
    if errors:
        failures.append(where)
    return not errors


def read(name):
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as f:
        return f.read()


def main(argv):
    ndjson = "--ndjson" in argv
    args = [a for a in argv if a != "--ndjson"]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__.strip())
        return 0
    if len(args) < 2:
        usage()
    try:
        validator = make_validator(args[0])
    except (OSError, ValueError, KeyError, IndexError,
            jsonschema.exceptions.SchemaError) as e:
        usage("%s: unusable schema: %s" % (args[0], str(e).splitlines()[0]))
    passed, failures = 0, []
    for name in args[1:]:
        try:
            data = read(name)
        except OSError as e:
            print("%s: cannot read: %s" % (name, e.strerror))
            failures.append(name)
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            print("%s: not UTF-8: byte %d" % (name, e.start))
            failures.append(name)
            continue
        if ndjson:
            docs = []
            for n, line in enumerate(text.split("\n"), 1):
                if line.strip():
                    docs.append(("%s:%d" % (name, n), line))
        else:
            docs = [(name, text)]
        for where, t in docs:
            try:
                doc = loads(t)
            except ValueError as e:
                print("%s: not JSON: %s" % (where, e))
                failures.append(where)
                continue
            if check(validator, where, doc, failures):
                passed += 1
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
