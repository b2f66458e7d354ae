"""The final parameters (θ) of one shard of a .ulm model file, read straight from its bytes (ul-model(5)):
the benchmark scripts compare models by ‖θ − θ_retrain‖ without a tool that prints parameters."""
import struct


def params(path, shard=b"shard0000"):
    b = open(path, "rb").read()
    n = struct.unpack_from("<I", b, 12)[0]
    for i in range(n):
        tag, off, ln = struct.unpack_from("<16sQQ", b, 16 + 48 * i)
        if tag.rstrip(b"\0") == shard:
            p = off + 8 + 1  # shard index, standardised flag
            for _ in range(2):  # standardisation mean and factor
                c = struct.unpack_from("<Q", b, p)[0]; p += 8 + 4 * c
            blocks = struct.unpack_from("<q", b, p)[0]; p += 8
            theta = ()
            for _ in range(blocks):
                p += 8  # row count
                c = struct.unpack_from("<Q", b, p)[0]; p += 8
                for _ in range(c):
                    L = struct.unpack_from("<I", b, p)[0]; p += 4 + L
                p += 32  # digest
                c = struct.unpack_from("<Q", b, p)[0]; p += 8
                theta = struct.unpack_from("<%dd" % c, b, p); p += 8 * c
            return theta
    raise SystemExit(f"{path}: no section {shard.decode()}")
