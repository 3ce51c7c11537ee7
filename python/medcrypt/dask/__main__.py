"""python3 -m medcrypt.dask - the CLI's directory mode on a Dask cluster.

    python3 -m medcrypt.dask encrypt -s SCHEME -k KEY [--profile P] [--param K=V]...
            IN_DIR -o OUT_DIR (--scheduler ADDR | --scheduler-file F | --workers N)
    python3 -m medcrypt.dask decrypt -k KEY [--profile paper] IN_DIR -o OUT_DIR ...

Options, manifest, resume and exit statuses are `medcrypt encrypt|decrypt
-r`'s (0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O; a run's status
is its worst file's: 3 > 4 > 2).  docs/scale.md.
"""
import argparse
import os
import sys
import time

from ..errors import MedcryptError

PROG = "medcrypt.dask"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 1 (usage), as the CLI
        sys.stderr.write("%s: %s (see --help)\n" % (PROG, message))
        sys.exit(1)


def _parser():
    p = _Parser(prog="python3 -m medcrypt.dask", description="Encrypt or decrypt a directory tree on a Dask "
                "cluster, with the manifest and resume rules of `medcrypt encrypt|decrypt -r`.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in ("encrypt", "decrypt"):
        s = sub.add_parser(name, help="%s IN_DIR into OUT_DIR" % name)
        if name == "encrypt":
            s.add_argument("-s", "--scheme", required=True, help="see `medcrypt list`")
            s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="scheme parameter")
        s.add_argument("-k", "--key", help="key file (a path every worker reads)")
        s.add_argument("--passphrase-file", help="the passphrase (first line) of a wrapped key file, or of a "
                       "passphrase key without -k; a path every worker reads")
        s.add_argument("--profile", choices=("paper", "hardened"))
        s.add_argument("--key-image", help="zigzag: the key image (a path every worker reads)")
        s.add_argument("--model", help="neural schemes: a model file (a path every worker reads)")
        s.add_argument("-r", "--recursive", action="store_true", help="accepted for the CLI's sake: always on")
        s.add_argument("input", metavar="IN_DIR")
        s.add_argument("-o", "--output", required=True, metavar="OUT_DIR")
        s.add_argument("-f", "--force", action="store_true", help="write into any directory; redo everything")
        s.add_argument("--copy-other", action="store_true", help="copy the files that are not images")
        where = s.add_mutually_exclusive_group(required=True)
        where.add_argument("--scheduler", metavar="ADDR", help="the scheduler, e.g. tcp://10.0.0.5:8786")
        where.add_argument("--scheduler-file", metavar="FILE", help="dask-scheduler --scheduler-file FILE")
        where.add_argument("--workers", type=int, metavar="N", help="start a local cluster of N worker processes")
        s.add_argument("--threads", type=int, default=1, metavar="T", help="threads per local worker (default 1)")
        s.add_argument("--batch", type=int, metavar="N", help="files per task (default: ~8 tasks per thread, <= 64)")
        s.add_argument("--progress", choices=("auto", "lines", "none"), default="auto",
                       help="a line every 2 s on standard error (auto: lines)")
    return p


def _params(items):
    out = {}
    for kv in items:
        if "=" not in kv:
            raise _usage("--param: NAME=VALUE, not '%s'" % kv)
        k, v = kv.split("=", 1)
        out[k] = v
    return out


def _usage(msg):
    from ..errors import UsageError
    return UsageError(msg)


def _run(a):
    from distributed import Client, LocalCluster

    from . import decrypt_tree, encrypt_tree
    if not a.key and not a.passphrase_file:
        raise _usage("-k KEY or --passphrase-file FILE is required")
    if a.batch is not None and a.batch < 1:
        raise _usage("--batch: a positive number")
    t0, last = time.monotonic(), [0.0]

    def progress(done, total):
        now = time.monotonic() - t0
        if a.progress != "none" and (now - last[0] >= 2.0 or done == total):
            last[0] = now
            sys.stderr.write("%s: %d/%d files  %.0f s\n" % (PROG, done, total, now))

    cluster = None
    if a.workers is not None:
        if a.workers < 1 or a.threads < 1:
            raise _usage("--workers and --threads: positive numbers")
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=a.threads, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    elif a.scheduler_file:
        client = Client(scheduler_file=a.scheduler_file, timeout="30s")
    else:
        client = Client(a.scheduler, timeout="30s")
    try:
        common = dict(profile=a.profile, passphrase_file=a.passphrase_file, key_image_path=a.key_image,
                      model_path=a.model, copy_other=a.copy_other, force=a.force, batch_size=a.batch,
                      progress=progress)
        if a.command == "encrypt":
            res = encrypt_tree(a.input, a.output, a.scheme, a.key, client, params=_params(a.param),
                               **dict(common, profile=a.profile or "hardened"))
        else:
            res = decrypt_tree(a.input, a.output, a.key, client, **common)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for f in res["files"]:
        if f["status"] == "failed":
            sys.stderr.write("%s: %s: %s\n" % (PROG, os.fsdecode(f["rel"]), f["msg"]))
    c = res["counts"]
    sys.stderr.write("%s: %sed %d of %d images (%d done before), %d failed, %d other files %s, %d skipped; "
                     "manifest %s\n" % (PROG, a.command, c["ok"] + c["resumed"], res["images"], c["resumed"],
                                        c["failed"], c["other"] + c["copied"],
                                        "copied" if a.copy_other else "not copied", c["skipped"], res["manifest"]))
    return res["exit"]


def main(argv=None):
    a = _parser().parse_args(argv)
    try:
        return _run(a)
    except MedcryptError as e:
        sys.stderr.write("%s: %s\n" % (PROG, e.message))
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted: rerun the same command to resume\n" % PROG)
        return 130
    except OSError as e:  # the scheduler cannot be reached, ...
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return 4


if __name__ == "__main__":
    sys.exit(main())
