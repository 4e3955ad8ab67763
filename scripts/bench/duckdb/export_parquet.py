#!/usr/bin/python3
"""scripts/bench/duckdb/export_parquet.py: a generated month's HDF5 shards as
Parquet files, for the DuckDB side of scripts/bench/duckdb.sh.

Each channel table of each shard (and the reference tables cells, stores,
domains) becomes one Parquet file with the same columns and values, written
by a minimal Parquet writer: one row group, uncompressed PLAIN pages, every
column REQUIRED. No Parquet library is needed (Debian's python3 has h5py and
numpy, not pyarrow); DuckDB then rewrites these files into its own Parquet
with the missing-value sentinels as NULL (bench_duckdb.mjs prepare).
Missing-value sentinels are kept as they are here.

    export_parquet.py DATA_DIR RAW_DIR customers billing usage web

writes RAW_DIR/<channel>/<shard>.parquet and RAW_DIR/<table>.parquet, and
prints one JSON line: rows per channel and per reference table.

    export_parquet.py --tags TAGS.h5 OUT.parquet

writes the table `customers` of a run's tags.h5 (customer_id, bucket, every
tag) for the cross-check in DuckDB.
"""
import glob
import json
import os
import struct
import sys

import h5py
import numpy as np

# Thrift compact protocol field types.
T_I32, T_I64, T_BINARY, T_LIST, T_STRUCT = 5, 6, 8, 9, 12
# Parquet enums.
INT32, INT64, DOUBLE = 1, 2, 5
REQUIRED = 0
INT_8, UINT_64 = 15, 14
PLAIN, RLE = 0, 3
UNCOMPRESSED = 0
DATA_PAGE = 0
PAGE_VALUES = 1 << 20  # values per data page: pages stay far below 2 GiB


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


class Struct:
    """A thrift struct in compact encoding: fields added in increasing id order."""

    def __init__(self):
        self.buf = bytearray()
        self.last = 0

    def _header(self, field, kind):
        delta = field - self.last
        assert 0 < delta <= 15
        self.buf.append((delta << 4) | kind)
        self.last = field

    def i32(self, field, value):
        self._header(field, T_I32)
        self.buf += zigzag(value)
        return self

    def i64(self, field, value):
        self._header(field, T_I64)
        self.buf += zigzag(value)
        return self

    def string(self, field, value):
        data = value.encode()
        self._header(field, T_BINARY)
        self.buf += varint(len(data)) + data
        return self

    def struct(self, field, value):
        self._header(field, T_STRUCT)
        self.buf += value.bytes()
        return self

    def list(self, field, kind, items):
        self._header(field, T_LIST)
        n = len(items)
        self.buf.append((n << 4) | kind if n < 15 else 0xF0 | kind)
        if n >= 15:
            self.buf += varint(n)
        for item in items:
            if kind == T_STRUCT:
                self.buf += item.bytes()
            elif kind == T_I32:
                self.buf += zigzag(item)
            elif kind == T_BINARY:
                data = item.encode()
                self.buf += varint(len(data)) + data
            else:
                raise ValueError(kind)
        return self

    def bytes(self):
        return bytes(self.buf) + b"\x00"


# HDF5 column dtype -> (physical type, converted type or None, numpy storage type)
TYPES = {
    np.dtype("int8"): (INT32, INT_8, np.dtype("<i4")),
    np.dtype("int32"): (INT32, None, np.dtype("<i4")),
    np.dtype("int64"): (INT64, None, np.dtype("<i8")),
    np.dtype("uint64"): (INT64, UINT_64, np.dtype("<u8")),
    np.dtype("float64"): (DOUBLE, None, np.dtype("<f8")),
}


def write_parquet(path, columns):
    """columns: list of (name, numpy array), all of one length."""
    rows = len(columns[0][1]) if columns else 0
    tmp = path + ".tmp"
    chunks = []
    with open(tmp, "wb") as f:
        f.write(b"PAR1")
        for name, values in columns:
            physical, converted, storage = TYPES[values.dtype]
            data = np.ascontiguousarray(values, dtype=storage)
            start = f.tell()
            for p in range(0, max(rows, 1), PAGE_VALUES):
                page = data[p : p + PAGE_VALUES].tobytes()
                n = min(PAGE_VALUES, rows - p)
                header = (
                    Struct()
                    .i32(1, DATA_PAGE)
                    .i32(2, len(page))
                    .i32(3, len(page))
                    .struct(5, Struct().i32(1, n).i32(2, PLAIN).i32(3, RLE).i32(4, RLE))
                )
                f.write(header.bytes())
                f.write(page)
            size = f.tell() - start
            meta = (
                Struct()
                .i32(1, physical)
                .list(2, T_I32, [PLAIN, RLE])
                .list(3, T_BINARY, [name])
                .i32(4, UNCOMPRESSED)
                .i64(5, rows)
                .i64(6, size)
                .i64(7, size)
                .i64(9, start)
            )
            chunks.append((Struct().i64(2, start).struct(3, meta), size))
        schema = [Struct().string(4, "schema").i32(5, len(columns))]
        for name, values in columns:
            physical, converted, _ = TYPES[values.dtype]
            element = Struct().i32(1, physical).i32(3, REQUIRED).string(4, name)
            if converted is not None:
                element.i32(6, converted)
            schema.append(element)
        group = (
            Struct()
            .list(1, T_STRUCT, [c for c, _ in chunks])
            .i64(2, sum(s for _, s in chunks))
            .i64(3, rows)
        )
        footer = (
            Struct()
            .i32(1, 1)
            .list(2, T_STRUCT, schema)
            .i64(3, rows)
            .list(4, T_STRUCT, [group])
            .string(6, "portrait export_parquet.py")
            .bytes()
        )
        f.write(footer)
        f.write(struct.pack("<I", len(footer)))
        f.write(b"PAR1")
    os.replace(tmp, path)


def table_columns(group):
    """The 1-D datasets of an HDF5 group, in creation order when tracked."""
    return [(name, group[name][()]) for name in group if isinstance(group[name], h5py.Dataset)]


def main():
    if sys.argv[1] == "--tags":
        with h5py.File(sys.argv[2], "r") as h5:
            write_parquet(sys.argv[3], table_columns(h5["customers"]))
        return
    data, raw, channels = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows = {c: 0 for c in channels}
    for shard in sorted(glob.glob(os.path.join(data, "shards", "*.h5"))):
        with h5py.File(shard, "r") as h5:
            for channel in channels:
                if channel not in h5:
                    continue
                columns = table_columns(h5[channel])
                if int(h5[channel].attrs["rows"]) != len(columns[0][1]):
                    sys.exit(f"{shard}: /{channel} rows attribute disagrees with its columns")
                os.makedirs(os.path.join(raw, channel), exist_ok=True)
                stem = os.path.splitext(os.path.basename(shard))[0]
                write_parquet(os.path.join(raw, channel, stem + ".parquet"), columns)
                rows[channel] += len(columns[0][1])
    with h5py.File(os.path.join(data, "reference.h5"), "r") as h5:
        for table in ("cells", "stores", "domains"):
            columns = table_columns(h5[table])
            write_parquet(os.path.join(raw, table + ".parquet"), columns)
            rows[table] = len(columns[0][1])
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
