#!/usr/bin/python3
"""test_tree_interop.py - the Python directory mode (medcrypt.tree, which the
Dask driver uses) and the CLI's (`medcrypt encrypt|decrypt -r`) read each
other's manifests and journals.

The manifests both write for the same tree are the same text but for the
times, the output directory and the outputs' hashes and sizes (a .nii.gz
of cipher samples compresses a few bytes differently each time); a tree encrypted by one
resumes in the other with every file "resumed"; a journal left by a
half-done Python run is resumed by the CLI; trees encrypted by one decrypt
bit-exactly with the other.  Skipped (77) while the CLI has no directory
mode (it comes with the `cli` branch).
"""
import os
import re
import subprocess
import sys

from pyutil import CLI, Tally, make_tree, same_images, skip, tmpdir

try:
    import medcrypt  # noqa: F401
    from medcrypt import tree
except ImportError as e:
    skip("medcrypt binding not importable (%s)" % e)

T = Tally("test_tree_interop")
D = tmpdir("mc-treeio-")


def cli(*args):
    return subprocess.run([CLI] + list(args) + ["--progress", "none"], capture_output=True, text=True)


def normalised(path):
    with open(path, "rb") as f:
        s = f.read().decode("utf-8", "surrogateescape")
    s = re.sub(r'"(started|finished|output_dir)": "[^"]*"', r'"\1": X', s)
    s = re.sub(r'"(bytes|bytes_out)": \d+', r'"\1": N', s)  # gzip of random cipher samples: a few bytes vary
    return re.sub(r'"sha256": "[0-9a-f]{64}"', '"sha256": H', s)


def counts(out):
    import json
    with open(os.path.join(out, "medcrypt-manifest.json")) as f:
        return json.load(f)["summary"]


def main():
    if not os.access(CLI, os.X_OK):
        skip("$MEDCRYPT (the CLI) is not executable: %s" % CLI)
    h = subprocess.run([CLI, "encrypt", "--help"], capture_output=True, text=True).stdout
    if "--recursive" not in h:
        skip("this CLI has no directory mode (encrypt -r): it comes with the cli branch")
    src = os.path.join(D, "in")
    rels = make_tree(src, 40)
    key = os.path.join(D, "k")
    subprocess.run([CLI, "keygen", "-o", key], capture_output=True, check=True)
    n = len(rels)

    # the same run by both: the same manifest text
    py_enc, cli_enc = os.path.join(D, "py_enc"), os.path.join(D, "cli_enc")
    r = tree.run_tree(True, src, py_enc, scheme="aead", key_path=key)
    T.check(r["exit"] == 0 and r["counts"]["ok"] == n, "python encrypt: %s" % r["counts"])
    c = cli("encrypt", "-s", "aead", "-k", key, "-r", src, "-o", cli_enc, "-j", "2")
    T.check(c.returncode == 0, "CLI encrypt -r: exit %d: %s" % (c.returncode, c.stderr[-300:]))
    a, b = normalised(os.path.join(py_enc, "medcrypt-manifest.json")), normalised(
        os.path.join(cli_enc, "medcrypt-manifest.json"))
    T.check(a == b, "the manifests differ:\n--- python\n%s\n--- CLI\n%s" % (a[:1500], b[:1500]))

    # each resumes the other's run
    c = cli("encrypt", "-s", "aead", "-k", key, "-r", src, "-o", py_enc)
    T.check(c.returncode == 0 and counts(py_enc)["resumed"] == n, "CLI on a Python run: %s" % counts(py_enc))
    r = tree.run_tree(True, src, cli_enc, scheme="aead", key_path=key)
    T.check(r["counts"]["resumed"] == n, "Python on a CLI run: %s" % r["counts"])
    c = cli("encrypt", "-s", "latin", "-k", key, "-r", src, "-o", py_enc)
    T.check(c.returncode == 1, "CLI, another run into a Python run's directory: exit %d" % c.returncode)

    # a half-done Python run (journal, no manifest) resumed by the CLI
    half = os.path.join(D, "half")
    run = tree.Run(True, src, half, scheme="aead", key_path=key)
    inputs = tree.Inputs(run.spec)
    jobs = run.jobs()
    for e, rec in jobs[:len(jobs) // 2]:
        run.record(tree.process_entry(run.spec, inputs, e, rec))
    inputs.close()
    run.close()
    done = sum(1 for e, _ in jobs[:len(jobs) // 2] if e["kind"] == tree.IMAGE)
    c = cli("encrypt", "-s", "aead", "-k", key, "-r", src, "-o", half)
    s = counts(half)
    T.check(c.returncode == 0 and s["resumed"] == done and s["ok"] == n - done,
            "CLI resuming a Python journal: %s (want %d resumed)" % (s, done))

    # decrypt each other's trees
    c = cli("decrypt", "-k", key, "-r", py_enc, "-o", os.path.join(D, "cli_dec"))
    T.check(c.returncode == 0, "CLI decrypt -r of a Python tree: exit %d" % c.returncode)
    T.check(not same_images(src, os.path.join(D, "cli_dec"), rels), "CLI decrypt of a Python tree: not exact")
    r = tree.run_tree(False, cli_enc, os.path.join(D, "py_dec"), key_path=key)
    T.check(r["exit"] == 0, "Python decrypt of a CLI tree: %s" % r["counts"])
    T.check(not same_images(src, os.path.join(D, "py_dec"), rels), "Python decrypt of a CLI tree: not exact")
    T.done()


if __name__ == "__main__":
    sys.exit(main())
