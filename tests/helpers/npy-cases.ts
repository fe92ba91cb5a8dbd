/**
 * Hand-written `.npy` headers, each judged by NumPy itself: the test writes the bytes, asks
 * `np.load` (python3 with NumPy) whether it reads them and what it reads, and then checks that
 * dj agrees. Nothing here states an expected verdict except where dj is documented to be
 * stricter than NumPy (`djStricter`).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface NpyCase {
  name: string;
  /** The header text (the dict, as written in the file); padding is added. */
  header: string;
  version?: 1 | 2 | 3;
  /** Data bytes after the header: this many float64 values 0, 1, 2, … (default 60). */
  values?: number;
  /** Raw bytes instead of the usual header (magic and length field included). */
  raw?: Buffer;
  /**
   * dj refuses what NumPy reads here, by a documented rule (docs/decisions.md): dimensions above
   * 2^53 - 1 and data longer than shape × itemsize.
   */
  djStricter?: RegExp;
}

const F8 = "'descr': '<f8', 'fortran_order': False";

export const npyCases: NpyCase[] = [
  { name: "a plain header", header: `{${F8}, 'shape': (6, 10), }` },
  { name: "a duplicate 'shape' key (the last one counts)", header: `{${F8}, 'shape': (2,), 'shape': (6, 10), }` },
  { name: "a duplicate 'shape' key whose last value is smaller than the data", header: `{${F8}, 'shape': (6, 10), 'shape': (2,), }`, djStricter: /16 bytes .* but 480 follow/ },
  { name: "a dimension above 2^53 with no data", header: `{${F8}, 'shape': (9007199254740993, 0), }`, values: 0, djStricter: /larger than 2\^53 - 1/ },
  { name: "a dimension of 2^64", header: `{${F8}, 'shape': (18446744073709551616,), }` },
  { name: "a dimension of 2^60 (data missing)", header: `{${F8}, 'shape': (1152921504606846976,), }` },
  { name: "trailing junk after the dict", header: `{${F8}, 'shape': (6, 10), } junk` },
  { name: "a second dict after the first", header: `{${F8}, 'shape': (6, 10), }{}` },
  { name: "leading zeros in a dimension", header: `{${F8}, 'shape': (06, 10), }` },
  { name: "a dimension written 0_6", header: `{${F8}, 'shape': (0_6, 10), }` },
  { name: "a dimension with underscores (6_0)", header: `{${F8}, 'shape': (6_0,), }` },
  { name: "a hexadecimal dimension", header: `{${F8}, 'shape': (0x3c,), }` },
  { name: "an octal and a binary dimension", header: `{${F8}, 'shape': (0o6, 0b1010), }` },
  { name: "Python 2 long suffixes in a 1.0 header", header: `{${F8}, 'shape': (6L, 10L), }` },
  { name: "Python 2 long suffixes in a 3.0 header", header: `{${F8}, 'shape': (6L, 10L), }`, version: 3 },
  { name: "a lower-case long suffix", header: `{${F8}, 'shape': (6l, 10), }` },
  { name: "a missing key", header: `{'descr': '<f8', 'shape': (60,), }` },
  { name: "an extra key", header: `{${F8}, 'shape': (60,), 'extra': 1, }` },
  { name: "a key that is not a string", header: `{${F8}, 'shape': (60,), 1: 2}` },
  { name: "fortran_order given as 0", header: `{'descr': '<f8', 'fortran_order': 0, 'shape': (60,), }` },
  { name: "fortran_order True", header: `{'descr': '<f8', 'fortran_order': True, 'shape': (6, 10), }` },
  { name: "a shape that is a list", header: `{${F8}, 'shape': [6, 10], }` },
  { name: "a shape that is an integer", header: `{${F8}, 'shape': (60), }` },
  { name: "a float dimension", header: `{${F8}, 'shape': (6.0, 10), }` },
  { name: "a dimension in exponent notation", header: `{${F8}, 'shape': (6e1,), }` },
  { name: "a boolean dimension", header: `{${F8}, 'shape': (True, 60), }` },
  { name: "negative dimensions", header: `{${F8}, 'shape': (-6, -10), }` },
  { name: "a dimension written -0 (with no data)", header: `{${F8}, 'shape': (-0,), }`, values: 0 },
  { name: "a dimension written +60", header: `{${F8}, 'shape': (+60,), }` },
  { name: "a doubled sign", header: `{${F8}, 'shape': (--60,), }` },
  { name: "shape None", header: `{${F8}, 'shape': None, }` },
  { name: "a scalar (empty shape)", header: `{${F8}, 'shape': (), }`, values: 1 },
  { name: "descr given as a one-letter code", header: `{'descr': 'd', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr given as a name", header: `{'descr': 'float64', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr with | on a multi-byte type", header: `{'descr': '|f8', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr with a zero-padded size", header: `{'descr': '<f08', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr as bytes", header: `{'descr': b'<f8', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr from concatenated strings", header: `{'descr': '<' "f8", 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr with an escape", header: `{'descr': '\\x3cf8', 'fortran_order': False, 'shape': (60,), }` },
  { name: "descr as a raw string", header: `{'descr': r'<f8', 'fortran_order': False, 'shape': (60,), }` },
  { name: "an unknown descr", header: `{'descr': '<f3', 'fortran_order': False, 'shape': (60,), }` },
  { name: "an unterminated string", header: `{'descr': '<f8, 'fortran_order': False, 'shape': (60,), }` },
  { name: "comments and line breaks inside the dict", header: `{'descr': '<f8', # the dtype\n 'fortran_order': False,\n\t'shape': (6,\n 10)}` },
  { name: "the dict in parentheses", header: `({${F8}, 'shape': (60,), })` },
  { name: "a line break outside brackets", header: `{${F8}, 'shape': (60,), }\n1` },
  { name: "a NUL in the header", header: `{${F8}, 'shape': (60,), }\0` },
  { name: "a set as shape", header: `{${F8}, 'shape': {60}, }` },
  { name: "a nested tuple as shape", header: `{${F8}, 'shape': ((60,),), }` },
  { name: "an empty header", header: `` },
  { name: "a header over NumPy's 10000 characters", header: `{${F8}, 'shape': (60,), }` + " ".repeat(10001) },
  {
    name: "a header length field of 4 GiB",
    header: "",
    raw: Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]), Buffer.from([0xf0, 0xff, 0xff, 0xff]), Buffer.from(`{${F8}, 'shape': (60,), }\n`)]),
  },
  { name: "format version 4.0", header: `{${F8}, 'shape': (60,), }`, raw: Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 16, 0]) },
  { name: "a UTF-8 header (3.0) with a non-ASCII comment", header: `{${F8}, 'shape': (60,), } # é`, version: 3 },
  { name: "invalid UTF-8 in a 3.0 header", header: `{${F8}, 'shape': (60,), } # \udcff`, version: 3 },
];

/** The file's bytes: magic, version, length field, header, 64-byte alignment, data. */
export function npyCaseBytes(c: NpyCase): Buffer {
  const data = Buffer.alloc(8 * (c.values ?? 60));
  for (let i = 0; i < (c.values ?? 60); i++) data.writeDoubleLE(i, 8 * i);
  if (c.raw) return Buffer.concat([c.raw, data]);
  const version = c.version ?? 1;
  const lenSize = version === 1 ? 2 : 4;
  // The lone surrogate stands for an invalid UTF-8 byte (0xff) in the "invalid UTF-8" case.
  const parts = c.header.split("\udcff").map((p) => Buffer.from(p, version === 3 ? "utf8" : "latin1"));
  let text = Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from([0xff]), p])));
  const pad = 64 - ((8 + lenSize + text.length + 1) % 64);
  text = Buffer.concat([text, Buffer.alloc(pad % 64, 0x20), Buffer.from("\n")]);
  const head = Buffer.alloc(8 + lenSize);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (lenSize === 2) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  return Buffer.concat([head, text, data]);
}

export interface NumpyVerdict {
  ok: boolean;
  /** When ok: what NumPy read. */
  shape?: number[];
  dtype?: string;
  fortran?: boolean;
  /** The values in C order, as float64 (our data are small). */
  values?: number[];
  error?: string;
}

/** Write every case into `dir` and ask NumPy (one python3 run) what `np.load` makes of each. */
export function numpyVerdicts(dir: string, cases: NpyCase[], python = "python3"): Map<string, NumpyVerdict> {
  const files = cases.map((c, i) => {
    const file = join(dir, `case${i}.npy`);
    writeFileSync(file, npyCaseBytes(c));
    return file;
  });
  const script = `
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = {}
for f in sys.argv[1:]:
    try:
        a = np.load(f)
        out[f] = {"ok": True, "shape": [int(x) for x in a.shape], "dtype": a.dtype.str, "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                  "values": [float(x) for x in a.astype(np.float64).ravel(order="C")[:100]]}
    except BaseException as e:
        out[f] = {"ok": False, "error": type(e).__name__ + ": " + str(e)[:200]}
print(json.dumps(out))
`;
  const r = spawnSync(python, ["-c", script, ...files], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  const verdicts = JSON.parse(r.stdout) as Record<string, NumpyVerdict>;
  return new Map(cases.map((c, i) => [c.name, verdicts[files[i]!]!]));
}

export function caseFile(dir: string, cases: NpyCase[], c: NpyCase): string {
  return join(dir, `case${cases.indexOf(c)}.npy`);
}
