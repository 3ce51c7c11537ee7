"""orthanc_harness.py - Orthanc servers, DICOM listeners and test data for
tests/servers/test_orthanc.py and bench/bench_orthanc.py.

Every server runs in its own process group, on ports chosen at run time,
with its storage and index under a private temporary directory; it accepts
HTTP from loopback only (RemoteAccessAllowed false) and C-STORE only from the
modalities it knows, all on 127.0.0.1 (DicomAlwaysAllowStore false,
DicomCheckModalityHost true).  Processes die with the script that started
them (PR_SET_PDEATHSIG, also on SIGKILL), and Cluster.stop() - called from a
finally block and from SIGTERM/SIGINT/SIGHUP handlers - kills their process
groups, so no server outlives a run.
"""
import copy
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

PR_SET_PDEATHSIG = 1


def dcmtk_env():
    """The environment of every DICOM process: Debian's DCMTK (which Orthanc
    uses) leaves Nagle's algorithm on unless TCP_NODELAY=1, and then a C-STORE
    on loopback waits on delayed ACKs (~0.1 s per instance here)."""
    env = dict(os.environ)
    env["TCP_NODELAY"] = "1"
    return env


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the test process dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def orthanc_binary():
    return shutil.which("Orthanc") or (os.path.exists("/usr/sbin/Orthanc") and "/usr/sbin/Orthanc") or None


class HttpError(Exception):
    def __init__(self, code, body):
        super().__init__("HTTP %d: %s" % (code, body[:300]))
        self.code = code
        self.body = body


class Orthanc:
    """One Orthanc server (not started until Cluster.start)."""

    def __init__(self, cluster, name, aet, plugin=None, medcrypt=None, extra=None, extra_files=None):
        self.cluster, self.name, self.aet = cluster, name, aet
        self.http_port, self.dicom_port = free_port(), free_port()
        self.dir = os.path.join(cluster.tmp, name)
        os.makedirs(self.dir)
        self.log_path = os.path.join(self.dir, "orthanc.log")
        self.plugin, self.medcrypt, self.extra = plugin, medcrypt, extra or {}
        self.extra_files = extra_files or {}  # more configuration files: name -> text
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http_port

    def config(self):
        c = {
            "Name": self.name,
            "StorageDirectory": os.path.join(self.dir, "storage"),
            "IndexDirectory": os.path.join(self.dir, "index"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.aet,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "DicomAlwaysAllowEcho": False,
            "DicomAlwaysAllowStore": False,
            "DicomCheckModalityHost": True,
            "DicomModalities": {},
            "OrthancPeers": {},
            "StorageCompression": False,
            "SaveJobs": False,
            "HttpTimeout": 30,
            "DicomScuTimeout": 30,
            "StableAge": 3600,
        }
        for s in self.cluster.servers:
            if s is not self:
                c["DicomModalities"][s.aet] = [s.aet, "127.0.0.1", s.dicom_port]
                c["OrthancPeers"][s.aet] = {"Url": s.url + "/"}
        for aet, port in self.cluster.listeners.items():
            c["DicomModalities"][aet] = [aet, "127.0.0.1", port]
        if self.plugin:
            c["Plugins"] = [self.plugin]
        if self.medcrypt is not None:
            c["Medcrypt"] = self.medcrypt
        c.update(self.extra)
        return c

    def start(self):
        cfg = os.path.join(self.dir, "conf")  # Orthanc merges every *.json of a directory
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "orthanc.json"), "w") as f:
            json.dump(self.config(), f, indent=1)
        for name, text in self.extra_files.items():
            with open(os.path.join(cfg, name), "w") as f:
                f.write(text)
        env = dcmtk_env()
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([orthanc_binary(), cfg], stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                                     env=env, start_new_session=True, preexec_fn=_die_with_parent)
        log.close()

    def wait_ready(self, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            try:
                self.get("/system")
                return True
            except (OSError, HttpError):
                time.sleep(0.1)
        return False

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, ctype="application/json", raw=False, timeout=120):
        data = body
        if body is not None and not isinstance(body, (bytes, bytearray)):
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                out = r.read()
        except urllib.error.HTTPError as e:
            raise HttpError(e.code, e.read().decode("utf-8", "replace"))
        if raw:
            return out
        return json.loads(out) if out else None

    def get(self, path, raw=False):
        return self.request("GET", path, raw=raw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def upload(self, dicom_bytes):
        return self.post("/instances", dicom_bytes, ctype="application/dicom")

    def instances(self):
        return self.get("/instances")

    def file(self, iid):
        return self.get("/instances/%s/file" % iid, raw=True)


class Cluster:
    """Servers and listeners of one run; stop() kills every process group."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.servers = []
        self.listeners = {}  # AET -> port
        self.procs = []
        self._old = {}

    def add(self, name, aet, **kw):
        s = Orthanc(self, name, aet, **kw)
        self.servers.append(s)
        return s

    def add_listener(self, aet):
        """A DICOM storage listener (DCMTK storescp) writing to a directory."""
        port = free_port()
        self.listeners[aet] = port
        out = os.path.join(self.tmp, aet.lower())
        os.makedirs(out)
        log = open(os.path.join(self.tmp, aet.lower() + ".log"), "wb")
        p = subprocess.Popen(["storescp", "--aetitle", aet, "--output-directory", out, str(port)], stdout=log,
                             stderr=subprocess.STDOUT, env=dcmtk_env(), start_new_session=True,
                             preexec_fn=_die_with_parent)
        log.close()
        self.procs.append(p)
        return out

    def start(self, servers=None, timeout=60):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old[sig] = signal.signal(sig, self._on_signal)
        todo = servers if servers is not None else self.servers
        for s in todo:
            s.start()
            self.procs.append(s.proc)
        bad = [s for s in todo if not s.wait_ready(timeout)]
        return bad

    def _on_signal(self, signum, frame):
        self.stop()
        sys.exit(128 + signum)

    def _signal_live(self, sig):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    pass

    def stop(self):
        self._signal_live(signal.SIGTERM)
        end = time.time() + 10
        for p in self.procs:
            try:
                p.wait(max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                pass
        self._signal_live(signal.SIGKILL)
        for p in self.procs:
            p.wait()
        self.procs = []
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}


# ------------------------------------------------------------------ data

def medcrypt(args, check=True):
    exe = os.environ["MEDCRYPT"]
    return subprocess.run([exe] + args, check=check, capture_output=True)


def make_key(path):
    medcrypt(["keygen", "-o", path])
    os.chmod(path, 0o600)
    return path


def phantom_series(tmp, size, slices, study_uid=None):
    """A CT series of `slices` single-frame CT Image Storage instances (16-bit
    signed, from `medcrypt phantom`), one study; returns [(path, dataset)]."""
    import pydicom
    from pydicom.uid import generate_uid
    vol = os.path.join(tmp, "phantom_vol.dcm")
    medcrypt(["phantom", "-o", vol, "--size", str(size), "--slices", str(slices), "--bits", "16"])
    frames = pydicom.dcmread(vol).pixel_array
    if frames.ndim == 2:
        frames = frames[None]
    head = pydicom.dcmread(vol, stop_before_pixels=True)
    study = study_uid or generate_uid()
    series = generate_uid()
    out = []
    for i, fr in enumerate(frames):
        ds = copy.deepcopy(head)
        for kw in ("NumberOfFrames", "FrameIncrementPointer", "PerFrameFunctionalGroupsSequence",
                   "SharedFunctionalGroupsSequence"):
            if kw in ds:
                delattr(ds, kw)
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.Modality = "CT"
        ds.PatientID = "MEDCRYPT-PHANTOM"
        ds.PatientName = "Phantom^Head"
        ds.SeriesNumber = 1
        ds.InstanceNumber = i + 1
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ImagePositionPatient = [0.0, 0.0, float(i)]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [1.0, 1.0]
        ds.SliceThickness = 1.0
        ds.RescaleIntercept = 0
        ds.RescaleSlope = 1
        ds.add_new(0x7FE00010, "OW", fr.astype(fr.dtype.newbyteorder("<")).tobytes())
        p = os.path.join(tmp, "slice%03d.dcm" % (i + 1))
        ds.save_as(p, write_like_original=False)
        out.append(p)
    os.unlink(vol)
    return out


def ct_small_path():
    cand = [os.path.join(os.environ.get("MEDCRYPT_SAMPLES", ""), "dicom", "CT_small.dcm")]
    try:
        import pydicom.data
        cand.append(os.path.join(os.path.dirname(pydicom.data.__file__), "test_files", "CT_small.dcm"))
    except Exception:
        pass
    for c in cand:
        if os.path.isfile(c):
            return c
    return None


def has_medcrypt_block(dicom_bytes):
    return b"MEDCRYPT " in dicom_bytes
