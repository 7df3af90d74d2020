#!/usr/bin/env python3
"""Writes the YAML/JSON differential corpus: tests/testdata/yaml-corpus/*.yaml.

Every file is a whole manifest (apiVersion, kind, metadata.name) whose other
fields hold the case, so that kubectl reads it like any manifest. The test
tests/cli/yaml_corpus_test.cpp reads each file with our YAML reader and with
`kubectl label --local -o json` and requires the same JSON, or a failure from
both. Rerun after editing; the output is deterministic:

    scripts/gen-yaml-corpus.py
"""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "testdata", "yaml-corpus")

HEAD = "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\n"

# Plain scalars: YAML 1.1 as go-yaml v2 resolves them, and near misses.
SCALARS = [
    # integers
    "0", "-0", "+0", "1", "+1", "-1", "007", "08", "09", "010", "0o17", "0O17", "0o18", "0x1f", "0X1F", "0x",
    "0xG", "0b101", "0B101", "0b102", "-0b11", "0b-101", "-0x1F", "+0x1F", "1_000", "0x_1F", "1__0", "_1",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "99999999999999999999", "123456789012345678901234",
    "0x7FFFFFFFFFFFFFFF", "0x8000000000000000", "0xFFFFFFFFFFFFFFFF", "0x10000000000000000", "0o1777777777777777777777",
    "0b" + "1" * 64, "0b" + "1" * 65, "1:20", "190:20:30", "1,000", "12abc", "1.2.3", "- 1",
    # floats
    "1.0", "1.", ".5", "-.5", "+.5", "1e3", "1E3", "1e+3", "1e-3", "1.5e300", "1e400", "-1e400", "1e-400",
    "6.02e23", "0.1", "3.14159265358979323846", "1_0.5", "._5", ".", "-.", "1e", "e3", "1.5e", "+1.5",
    "0.000001", "0.0000001", "1e21", "1e20", "123456789.123456789", "9007199254740993", "9007199254740993.0",
    "-0.0", "0e0", ".1e1", "1.e2", "0x1p3", "Infinity", "NaN", "inf", ".Inf", ".iNf",
    # booleans and nulls
    "y", "Y", "yes", "Yes", "YES", "yEs", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "tRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "oN", "~", "null", "Null", "NULL", "nULL", "",
    # timestamps (strings in the end) and other text
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-12-14T21:59:43Z",
    "2002-02-30", "2001-2-3", "20011214", "hello", "hello world", "a:b", "a#b", "a #b", "<<", "=", "~x", "x~",
    "yes please", "null-ish", "0.1.2", "v1", "1h30m", "-", "--", "---x", "..", "...x", "%x", "@x",
]
# Scalars that make kubectl fail as values: JSON cannot hold them.
BAD_VALUES = [".inf", "-.inf", "+.inf", ".INF", ".nan", ".NaN", ".NAN"]

KEYS = [
    "yes", "no", "y", "on", "off", "true", "0x10", "0o17", "017", "08", "1e3", "1.0", "0.1", "1.5", "-1", "1_000",
    "123456789012345678901234", "9223372036854775807", "-9223372036854775808", ".inf", "-.inf", ".nan",
    "1e6", "1e-5", "0.000001", "100000", "1000000", "3.14159265358979", "2001-12-14", "<<x", "a", "'q'",
    "\"1\"", "~", "null", "NULL", "18446744073709551615", "9223372036854775808", "''",
]

TAGGED = [
    "!!str 12", "!!str yes", "!!str ~", "!!int 12", "!!int \"12\"", "!!int 0x1F", "!!int 1.5", "!!int abc",
    "!!int ''", "!!float 12", "!!float \"1.5\"", "!!float abc", "!!float 18446744073709551615", "!!bool yes",
    "!!bool \"true\"", "!!bool 1", "!!null ~", "!!null ''", "!!null x", "!!binary aGVsbG8=", "!!binary aGVsbG8",
    "!!binary \"###\"", "!!binary |\n    aGVs\n    bG8=", "!!timestamp 2001-12-14", "!!timestamp 12",
    "!foo 12", "! 12", "! yes", "!!map 12", "!!seq 12", "!<tag:yaml.org,2002:int> 0x10",
    "!<tag:yaml.org,2002:str> 1", "!!merge x", "!local {a: 1}", "!!set {a, b}", "!!omap [{a: 1}]",
    "!!binary 8GVbsGa=", "!!binary wK8=", "!!binary 7aCA",
]

STRUCTURES = {
    "merge-alias": "base: &b {a: 1, b: 2}\nm:\n  b: 0\n  <<: *b\n  c: 3\n",
    "merge-list": "x: &x {a: 1}\nz: &z {a: 2, b: 2}\nm:\n  <<: [*x, *z]\n  c: 3\n",
    "merge-inline": "m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n",
    "merge-nested": "a: &a {x: 1}\nm: {<<: {<<: *a, z: 2}}\n",
    "merge-empty": "m: {<<: []}\n",
    "merge-quoted": "m: {\"<<\": 1}\n",
    "merge-scalar": "m: {<<: 1}\n",
    "merge-null": "m: {<<: ~}\n",
    "merge-alias-seq": "s: &s [1]\nm: {<<: *s}\n",
    "merge-list-of-lists": "m: {<<: [[1]]}\n",
    "merge-list-scalar": "m: {<<: [{a: 1}, 2]}\n",
    "merge-anchored": "a: &a {x: 1}\nb: &b {<<: *a, w: 2}\nc: *b\n",
    "merge-tagged": "m: {!!merge <<: {a: 1}}\n",
    "merge-override-later": "a: &a {x: 1, z: 1}\nm:\n  <<: *a\n  x: 2\n",
    "merge-block": "d: &d\n  a: 1\n  b: 2\nm:\n  <<: *d\n  c: 3\n",
    "alias-scalar": "a: &a hello\nb: *a\n",
    "alias-map": "a: &a {x: [1, 2]}\nb: *a\nc: [*a, *a]\n",
    "alias-key": "k: &k key\nm: {*k : v}\n",
    "alias-redefined": "a: &x 1\nb: &x 2\nc: *x\n",
    "alias-unknown": "a: *nope\n",
    "alias-self": "a: &a [*a]\n",
    "alias-self-redefined": "a: &a x\nb: &a [*a]\n",
    "alias-in-flow": "a: [&x 1, *x, {k: *x}]\n",
    "alias-anchor-on-key": "m: {&k a: 1, b: *k}\n",
    "dup-keys": "m:\n  a: 1\n  a: 2\n",
    "dup-keys-resolved": "m:\n  yes: 1\n  true: 2\n",
    # Not here: "1e3: a" and "1000: b" in one mapping. go-yaml keeps them as two
    # keys (a float and an int) and sigs.k8s.io/yaml turns both into "1000" in
    # Go's random map order, so kubectl itself gives either value.
    "key-seq": "m:\n  ? [a]\n  : 1\n",
    "key-map": "m:\n  ? {a: 1}\n  : 1\n",
    "key-empty": "m:\n  : 1\n",
    "key-explicit": "m:\n  ? a\n  : 1\n  ? b\n",
    "block-literal": "s: |\n  line1\n  line2\n",
    "block-literal-strip": "s: |-\n  line1\n  line2\n",
    "block-literal-keep": "s: |+\n  line1\n\n\nt: x\n",
    "block-folded": "s: >\n  a\n  b\n\n  c\n",
    "block-folded-strip": "s: >-\n  a\n  b\n",
    "block-indent-indicator": "s: |2\n    indented\n  text\n",
    "block-more-indented": "s: >\n  a\n    b\n  c\n",
    "block-empty": "s: |\nt: x\n",
    "block-trailing-spaces": "s: |\n  a  \n  b\n",
    "block-tab": "s: |\n  a\tb\n",
    "dq-escapes": "s: \"a\\tb\\nc\\\\d\\\"e\\x41\\u263A\\U0001F600\"\n",
    "dq-null-escape": "s: \"a\\0b\"\n",
    "dq-yaml-escapes": "s: \"\\e\\N\\_\\L\\P\\a\\b\\v\\f\\ \"\n",
    "dq-slash-escape": "s: \"a\\/b\"\n",
    "dq-fold": "s: \"a\n  b\n\n  c\"\n",
    "dq-line-continuation": "s: \"a\\\n  b\"\n",
    "dq-bad-escape": "s: \"\\q\"\n",
    "sq-quote": "s: 'it''s'\n",
    "sq-fold": "s: 'a\n  b'\n",
    "plain-multiline": "s: a\n  b\n  c\n",
    "plain-colon": "s: a:b\nt: 'a: b'\n",
    "plain-hash": "s: a#b\nt: a #b\n",
    "plain-leading-indicator": "s: -a\nt: ?a\nu: :a\n",
    "flow-nested": "s: [1, [2, [3, {a: [4]}]], {b: {c: d}}]\n",
    "flow-empty": "s: [[], {}, [{}], {a: []}]\n",
    "flow-trailing-comma": "s: [1, 2, ]\nt: {a: 1, }\n",
    "flow-multiline": "s: [\n  1,\n  2\n]\n",
    "flow-single-pair": "s: [a: 1, b: 2]\n",
    "flow-implicit-null": "s: {a, b: }\n",
    "flow-quoted-keys": "s: {\"a\": 1, 'b': 2}\n",
    "flow-comment": "s: [1, # one\n  2]\n",
    "flow-plain-space": "s: [a b, c d]\n",
    "flow-colon-no-space": "s: {a:1}\n",
    "flow-unclosed": "s: [1, 2\n",
    "seq-of-maps": "s:\n- a: 1\n  b: 2\n- c: 3\n",
    "seq-indented": "s:\n  - 1\n  - 2\n",
    "seq-nested-dash": "s:\n- - 1\n  - 2\n- - 3\n",
    "seq-empty-item": "s:\n-\n- 1\n",
    "map-empty-values": "s:\n  a:\n  b: ~\n  c: ''\n",
    "comment-everywhere": "# top\ns: # after key\n  a: 1 # after value\n  # between\n  b: 2\n",
    "tab-indent": "s:\n\ta: 1\n",
    "tab-after-value": "s: 1\t\n",
    "bad-indent": "s:\n  a: 1\n b: 2\n",
    "anchor-unused": "s: &u 1\n",
    "unicode": "s: \"\u00e9\u00e8\"\nt: \u65e5\u672c\u8a9e\nu: \U0001F600\n",
    "unicode-key": "\u00e9: 1\n",
    "nbsp": "s: a\u00a0b\n",
    "long-plain": "s: " + "x" * 5000 + "\n",
    "long-key": "k" * 2000 + ": 1\n",
    "crlf": "s: 1\r\nt: two\r\n",
    "bom": "\ufeffs: 1\n",
    "directive-yaml": "%YAML 1.1\n---\n",
    "doc-end-marker": "s: 1\n...\n",
    "reserved-at": "s: @x\n",
    "reserved-backtick": "s: `x`\n",
    "question-plain": "s: a?b\nt: [a?b]\n",
    "special-strings": "s: ['yes', \"no\", '~', '', '0x10', '1e3']\n",
    "number-strings-keys": "'1': a\n\"2\": b\n",
    "deep-ok-flow": "s: " + "[" * 9998 + "]" * 9998 + "\n",
    "deep-bad-flow": "s: " + "[" * 9999 + "]" * 9999 + "\n",
    "deep-ok-block": "s:\n  " + "- " * 9998 + "x\n",
    "deep-bad-block": "s:\n  " + "- " * 9999 + "x\n",
    "deep-bomb-flow": "s: " + "[" * 100000 + "\n",
    "laughs-ok": "".join(
        ("l0: &l0 [" + ",".join(["x"] * 9) + "]\n") if i == 0 else
        ("l%d: &l%d [" % (i, i) + ",".join(["*l%d" % (i - 1)] * 9) + "]\n") for i in range(3)),
    "laughs-bad": "".join(
        ("l0: &l0 [" + ",".join(["x"] * 9) + "]\n") if i == 0 else
        ("l%d: &l%d [" % (i, i) + ",".join(["*l%d" % (i - 1)] * 9) + "]\n") for i in range(4)),
    "laughs-ok-5": "".join(
        ("l0: &l0 [" + ",".join(["x"] * 5) + "]\n") if i == 0 else
        ("l%d: &l%d [" % (i, i) + ",".join(["*l%d" % (i - 1)] * 5) + "]\n") for i in range(4)),
    "laughs-bad-5": "".join(
        ("l0: &l0 [" + ",".join(["x"] * 5) + "]\n") if i == 0 else
        ("l%d: &l%d [" % (i, i) + ",".join(["*l%d" % (i - 1)] * 5) + "]\n") for i in range(5)),
    "laughs-billion": "".join(
        ("l0: &l0 [" + ",".join(["\"lol\""] * 9) + "]\n") if i == 0 else
        ("l%d: &l%d [" % (i, i) + ",".join(["*l%d" % (i - 1)] * 9) + "]\n") for i in range(9)),
}

# Whole files (several documents, JSON).
FILES = {
    "multi-docs": HEAD + "s: 1\n---\n" + HEAD.replace("name: t", "name: u") + "s: 2\n",
    "multi-empty-docs": "---\n---\n" + HEAD + "s: 1\n---\n# only a comment\n---\n",
    "multi-null-doc": HEAD + "s: 1\n---\nnull\n---\n~\n",
    "json-doc": json.dumps({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
                            "spec": {"a": 1, "b": 1.5, "c": 1e3, "d": [True, False, None], "e": "x"}}),
    "json-big-numbers": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, '
                        '"spec": {"a": 18446744073709551615, "b": 9223372036854775808, "c": -9223372036854775809, '
                        '"d": 1.0, "e": 1e400, "f": 0.1, "g": 123456789012345678901234567890}}',
    "json-escapes": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, '
                    '"spec": {"a": "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/", "b": "\\u0000"}}',
    "json-dup-keys": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, '
                     '"spec": {"a": 1, "a": 2}}',
    "json-two-docs": json.dumps({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}) +
                     "\n---\n" + json.dumps({"apiVersion": "example.com/v1", "kind": "Thing",
                                             "metadata": {"name": "u"}}) + "\n",
    "json-trailing-comma": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},}',
    "json-yaml-flow": '{apiVersion: example.com/v1, kind: Thing, metadata: {name: t}, spec: {a: yes, b: 0x10}}',
    "json-deep-ok": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": ' +
                    "[" * 9998 + "]" * 9998 + "}",
    "json-deep-bad": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": ' +
                     "[" * 9999 + "]" * 9999 + "}",
    "json-deep-bomb": '{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": ' +
                      "[" * 100000,
    "json-with-comment": '# a comment\n{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}',
}

# Files of bytes that are not all UTF-8. kubectl reads a file through x/text's
# UTF-8 decoder, which turns each maximal subpart of an ill-formed sequence
# into U+FFFD, unless the file starts with a byte order mark; then a JSON
# string reads invalid bytes as Go's encoding/json does (each one U+FFFD) and
# YAML refuses them. A \\u escape of an unpaired surrogate is U+FFFD in JSON
# and an error in YAML.
JSON_HEAD = b'{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": '
RAW_UTF8 = {
    "cut-3": b"x\xe2\x82y",  # a cut sequence: one U+FFFD
    "cut-4-end": b"\xf0\x9f\x98",  # cut by the closing quote
    "cut-twice": b"\xe2\x82\xe2\x82",
    "surrogate": b"a\xed\xa0\x80b",  # each byte: ED's second byte is 80..9F
    "overlong-3": b"\xe0\x80\xaf",
    "overlong-2": b"\xc0\xaf",
    "past-max": b"\xf4\x90\x80\x80",
    "stray": b"\x80\xbf",
    "lead-only": b"\xc2z\xf5\xfe\xff",
    "valid-edges": b"\xed\x9f\xbf\xf4\x8f\xbf\xbf\xf0\x90\x80\x80\xc2\x80",
    "escaped-too": b"\\n\xe2\x82\\t",
}
JSON_BYTES = {"json-utf8-" + name: JSON_HEAD + b'{"v": "' + raw + b'"}}' for name, raw in RAW_UTF8.items()}
JSON_BYTES.update({
    "json-utf8-key": JSON_HEAD + b'{"k\xff": 1, "\xe2\x82": 2}}',
    "json-surrogate-high": JSON_HEAD + b'{"v": "\\ud800"}}',
    "json-surrogate-low": JSON_HEAD + b'{"v": "\\udc00x"}}',
    "json-surrogate-then-escape": JSON_HEAD + b'{"v": "\\ud800\\u0041\\ud800\\n"}}',
    "json-surrogate-then-pair": JSON_HEAD + b'{"v": "\\ud800\\ud800\\udc00"}}',
    "json-surrogate-bad-hex": JSON_HEAD + b'{"v": "\\ud800\\u00zz"}}',
    "json-surrogate-key": JSON_HEAD + b'{"\\udfff": 1}}',
    "json-flow-utf8": b'{apiVersion: example.com/v1, kind: Thing, metadata: {name: t}, spec: {v: "\xff"}}',
    "json-utf8-between-tokens": JSON_HEAD + b'{"a": 1,\xff "b": 2}}',
    "json-bom-utf8": b"\xef\xbb\xbf" + JSON_HEAD + b'{"v": "x\xe2\x82y\xed\xa0\x80"}}',
    "yaml-utf8": HEAD.encode() + b"spec:\n  v: \xe2\x82y\n",
    "yaml-utf8-places": HEAD.encode() + b"spec:  # \xff\n  k\xc0: '\xf0\x9f\x98'\n  d: \"\xed\xa0\x80\"\n",
    "yaml-bom-utf8": b"\xef\xbb\xbf" + HEAD.encode() + b"spec:\n  v: \xe2\x82y\n",
    "yaml-surrogate-escape": HEAD.encode() + b'spec:\n  v: "\\ud800"\n',
    # UTF-16 with a byte order mark: kubectl decodes it to UTF-8, libyaml reads it.
    "yaml-utf16le": b"\xff\xfe" + (HEAD + 'spec:\n  v: "\u00e9"\n  w: yes\n').encode("utf-16-le"),
    "json-utf16be": b"\xfe\xff" + (JSON_HEAD.decode() + '{"v": "\\u00e9\\/", "w": 1e3}}').encode("utf-16-be"),
})


def indent(text, by):
    return "".join(by + line if line.strip() else line for line in text.splitlines(True))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    files = {}
    for i, s in enumerate(SCALARS):
        files["value-%03d" % i] = HEAD + "spec:\n  v: %s\n  list: [%s]\n" % (s, s if s else "''")
    for i, s in enumerate(BAD_VALUES):
        files["bad-value-%03d" % i] = HEAD + "spec:\n  v: %s\n" % s
    for i, s in enumerate(SCALARS):
        if s and s[0] not in "-?:%@`" and ": " not in s and " #" not in s and not s.startswith("- "):
            files["key-%03d" % i] = HEAD + "spec:\n  %s: v\n" % s
    for i, k in enumerate(KEYS):
        files["key-extra-%03d" % i] = HEAD + "spec:\n  %s: v\n" % k
    for i, t in enumerate(TAGGED):
        files["tag-%03d" % i] = HEAD + "spec:\n  v: %s\n" % t
    for name, body in STRUCTURES.items():
        files["struct-" + name] = HEAD + "spec:\n" + indent(body, "  ")
    for name, text in FILES.items():
        files["file-" + name] = text
    for name, text in sorted(files.items()):
        with open(os.path.join(OUT, name + ".yaml"), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    for name, data in sorted(JSON_BYTES.items()):
        with open(os.path.join(OUT, "file-" + name + ".yaml"), "wb") as f:
            f.write(data)
    files.update(JSON_BYTES)
    print("wrote %d files to %s" % (len(files), os.path.relpath(OUT, ROOT)), file=sys.stderr)


if __name__ == "__main__":
    main()
