"""medcrypt.dask - directory mode spread over a dask.distributed cluster.

    from distributed import Client
    from medcrypt.dask import encrypt_tree, decrypt_tree
    with Client("tcp://scheduler:8786") as client:
        res = encrypt_tree("/archive/in", "/archive/enc", "aead", "/keys/site.key", client)
    res["exit"]       # 0, or the worst failure: 3 auth > 4 I/O > 2 bad input

The client walks IN_DIR, submits batches of files to the workers and writes
OUT_DIR's journal and manifest, in the CLI's format (medcrypt.tree): either
tool resumes the other's runs.  IN_DIR, OUT_DIR and the key are paths every
worker reaches under the same name (shared storage).  Workers load the key
from its path once per process and keep it in guarded memory; the task graph
carries only paths (a medcrypt.Key refuses to be pickled).  Outputs are
written atomically (temporary file, rename), so a worker killed mid-run
leaves no partial output: the scheduler gives its batch to another worker,
which redoes it, and the dead worker's temporary files are removed at the
end of the run.  docs/scale.md tells how to run it on a cluster.
"""
import os
import threading
import uuid

from .. import _atomic
from ..errors import MedcryptIOError
from ..tree import Inputs, Run, process_entry, syncfs, tune_malloc

__all__ = ["encrypt_tree", "decrypt_tree"]

# ------------------------------------------------------------ worker side

_CACHE = {}  # this worker process: the inputs of the current run
_LOCK = threading.Lock()


def _stamp(path):
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError as e:
        raise MedcryptIOError("%s: %s" % (path, e.strerror)) from None
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _inputs(spec):
    """The run's key (key image, model) in this worker process, loaded from
    their paths once and reloaded when a file changes."""
    names = ("key_path", "passphrase_file", "key_image_path", "model_path")
    ident = tuple(_stamp(spec.get(n)) for n in names)
    with _LOCK:
        got = _CACHE.get(ident)
        if got is None:
            for old in _CACHE.values():
                old.close()  # a worker keeps one run's key at a time
            _CACHE.clear()
            tune_malloc()
            got = _CACHE[ident] = Inputs(spec)
        return got


def _check(spec):
    """Run on one worker before any work: the key (and key image, model)
    load there, else the run stops with that error."""
    _inputs(spec)
    return os.getpid()


def _batch(spec, jobs):
    inputs = _inputs(spec)
    return [process_entry(spec, inputs, e, rec) for e, rec in jobs]


def _finish_host(out_dir, dirs, forget=True):
    """On every worker at the end of a run: close (wipe) the cached key,
    remove this host's temporary files of dead writers (a killed worker's),
    then flush the file system of the outputs."""
    if forget:
        with _LOCK:
            for v in _CACHE.values():
                v.close()
            _CACHE.clear()
    for d in [b""] + list(dirs):
        _atomic.clean_stale(os.path.join(os.fsencode(out_dir), d))
    syncfs(out_dir)
    return True


# ------------------------------------------------------------ client side


def _drive(run, client, batch_size, progress):
    from distributed import as_completed

    spec = run.spec
    client.submit(_check, spec, pure=False, key="medcrypt-check-" + uuid.uuid4().hex).result()
    jobs = run.jobs()
    nthreads = max(1, sum(client.nthreads().values()))
    if not batch_size:
        batch_size = max(1, min(64, len(jobs) // (nthreads * 8)))
    batches = [jobs[i:i + batch_size] for i in range(0, len(jobs), batch_size)]
    token = uuid.uuid4().hex[:12]
    todo = iter(enumerate(batches))
    pending = {}

    ac = as_completed()

    def submit():
        for i, b in todo:
            f = client.submit(_batch, spec, b, pure=False, key="medcrypt-%s-%d" % (token, i))
            pending[f] = b
            ac.add(f)
            return True
        return False

    for _ in range(nthreads * 4):  # a bounded window: the scheduler never holds the whole tree
        if not submit():
            break
    done_files = 0
    total = len(jobs)
    complete = False
    try:
        for f in ac:
            b = pending.pop(f)
            try:
                outs = f.result()
            except Exception as e:  # the batch itself failed (its workers died over and over)
                msg = "worker failure: %s" % (str(e) or type(e).__name__)
                outs = [dict(e_, status="failed", exit=4, out_bytes=0, sha256=None, msg=msg) for e_, _ in b]
            for o in outs:
                run.record(o)
            done_files += len(b)
            if progress is not None:
                progress(done_files, total)
            submit()
        complete = True
    finally:
        if pending:  # interrupted: what is journaled is kept, a rerun resumes
            client.cancel(list(pending))
        try:
            client.run(_finish_host, spec["out_dir"], run.dirs)  # also wipes the workers' copies of the key
        except Exception:
            if complete:
                raise  # else the error that stopped the run is the one to see


def _tree(enc, src, dst, client, key_path, batch_size=None, progress=None, **kw):
    run = Run(enc, src, dst, key_path=key_path, **kw)
    try:
        _drive(run, client, batch_size, progress)
        _finish_host(run.spec["out_dir"], run.dirs, forget=False)  # the client's host too
        return run.finish()
    finally:
        run.close()


def encrypt_tree(src, dst, scheme, key_path, client, profile="hardened", params=None, passphrase_file=None,
                 key_image_path=None, model_path=None, copy_other=False, force=False, batch_size=None,
                 progress=None):
    """Encrypt the tree under src into dst on the cluster of client (as
    `medcrypt encrypt -s scheme -k key_path -r src -o dst`).  key_path: a key
    file every worker reads (passphrase_file: its passphrase, if wrapped; with
    key_path None, the passphrase of a passphrase key).  params: {name:
    value}.  copy_other: copy files that are not images.  force: write into a
    directory that is not an earlier run's, and redo everything.
    batch_size: files per task (default: about 8 tasks per worker thread,
    at most 64 files).  progress(done, total): called as batches finish.
    Returns {"exit", "manifest", "counts", "files", "images"}; raises
    UsageError and friends for what stops a run before it starts."""
    return _tree(True, src, dst, client, key_path, scheme=scheme, profile=profile, params=params,
                 passphrase_file=passphrase_file, key_image_path=key_image_path, model_path=model_path,
                 copy_other=copy_other, force=force, batch_size=batch_size, progress=progress)


def decrypt_tree(src, dst, key_path, client, profile=None, passphrase_file=None, key_image_path=None,
                 model_path=None, copy_other=False, force=False, batch_size=None, progress=None):
    """Decrypt the tree under src into dst (as `medcrypt decrypt -k key_path
    -r src -o dst`): outputs mode 0600; profile="paper" accepts
    unauthenticated paper-profile files.  As encrypt_tree otherwise."""
    return _tree(False, src, dst, client, key_path, profile=profile, passphrase_file=passphrase_file,
                 key_image_path=key_image_path, model_path=model_path, copy_other=copy_other, force=force,
                 batch_size=batch_size, progress=progress)
