"""A throw-away one-node SLURM cluster (munged, slurmctld, slurmd) for tests.

Everything the cluster needs lives in one temporary folder: its own munge key and socket,
a generated slurm.conf (reached through the SLURM_CONF environment variable, so the
machine's /etc/slurm and /etc/munge are neither read nor written), state, spool, logs, a
job-completion record and an srun wrapper for the jobs (see SlurmCluster.environ). The
three daemons run in the foreground as children of the test process on free ports, so they
are stopped by their own pids and never touch a cluster that may already run on the
machine. Needs root (slurmd starts jobs as the submitting user) and the Debian packages
slurmctld, slurmd, slurm-client and munge.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scontrol", "sinfo", "srun", "scancel")
PARTITION = "main"
# Memory is not enforced here (no cgroup plugin); the node advertises enough for every
# request in the cluster profile, whatever the machine has.
NODE_MEMORY_MB = 64000
# Completed jobs stay visible to squeue and scontrol this long: the profile's status checks
# use squeue, and the test reads the jobs back after the run.
MIN_JOB_AGE_S = 600


class ClusterError(RuntimeError):
    """The cluster did not come up, or did not go down."""


def find_binary(name: str) -> str | None:
    """Path of a SLURM or munge program, looking in the sbin folders too."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which(name, path=path)


def missing_binaries() -> list[str]:
    """Programs a cluster needs that are not installed."""
    return [name for name in (*DAEMONS, *CLIENTS, "munge", "unmunge") if find_binary(name) is None]


def free_ports(count: int) -> list[int]:
    """Distinct ports free at the time of the call (all held open until each is known)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state letter follows the parenthesised command name, which may contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@dataclass
class SlurmCluster:
    """A running one-node cluster; use as a context manager or call start() and stop()."""

    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    root: Path | None = None
    node: str = field(default_factory=lambda: socket.gethostname().split(".")[0])
    pids: dict[str, int] = field(default_factory=dict)
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)

    # -- paths -------------------------------------------------------------------------
    @property
    def conf(self) -> Path:
        return self.root / "slurm.conf"

    @property
    def munge_socket(self) -> Path:
        return self.root / "munge" / "munge.socket"

    @property
    def jobcomp(self) -> Path:
        """SLURM's own record of finished jobs, one line per job."""
        return self.root / "jobcomp.txt"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default os.environ) with SLURM clients pointed at this cluster.

        SLURM_CONF reaches sbatch, squeue and the jobs (sbatch --export=ALL), but the
        jobstep executor inside each job drops every SLURM_* variable before its nested
        srun; the srun found first on PATH puts this cluster's SLURM_CONF back, so the
        machine's /etc/slurm is never needed.
        """
        base = dict(os.environ if base is None else base)
        path = base.get("PATH", os.defpath)
        return {**base, "SLURM_CONF": str(self.conf), "PATH": f"{self.bin}{os.pathsep}{path}"}

    # -- life cycle --------------------------------------------------------------------
    def __enter__(self) -> SlurmCluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        missing = missing_binaries()
        if missing:
            raise ClusterError(f"SLURM or munge programs not installed: {', '.join(missing)}")
        if os.geteuid() != 0:
            raise ClusterError("a local SLURM cluster needs root to start jobs")
        self.root = Path(tempfile.mkdtemp(prefix="slurm-cluster-"))
        try:
            self._write_files()
            deadline = time.monotonic() + timeout
            self._start_munge(deadline)
            self._spawn("slurmctld", "-D", "-i", "-f", str(self.conf))
            self._wait(self._controller_up, deadline, "slurmctld")
            self._spawn("slurmd", "-D", "-f", str(self.conf), "-N", self.node)
            self._wait(self._node_idle, deadline, "slurmd (node idle)")
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 20.0) -> None:
        """Cancel leftover jobs, stop each daemon by its pid, and remove the folder."""
        if "slurmctld" in self._procs and self._procs["slurmctld"].poll() is None:
            self._run("scancel", "--full", "--partition", PARTITION, check=False)
            deadline = time.monotonic() + timeout / 2
            while time.monotonic() < deadline and self.running_jobs():
                time.sleep(0.5)
        for name in reversed(DAEMONS):
            proc = self._procs.get(name)
            if proc is None:
                continue
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=timeout)
        self._procs.clear()
        if self.root is not None and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def alive(self) -> dict[str, bool]:
        """Whether each daemon started by this cluster still runs, by pid."""
        return {name: pid_alive(pid) for name, pid in self.pids.items()}

    # -- queries -----------------------------------------------------------------------
    def running_jobs(self) -> list[str]:
        proc = self._run("squeue", "--noheader", "--format=%i", "--states=PD,R,CG", check=False)
        return proc.stdout.split()

    def show_job(self, jobid: str) -> dict[str, str]:
        """`scontrol show job` as a dict (Key=Value pairs; values without spaces)."""
        proc = self._run("scontrol", "--oneliner", "show", "job", jobid)
        return dict(re.findall(r"(\w+)=(\S*)", proc.stdout))

    def completed_jobs(self) -> dict[str, dict[str, str]]:
        """Job-completion records by job id."""
        if not self.jobcomp.exists():
            return {}
        records = {}
        for line in self.jobcomp.read_text().splitlines():
            record = dict(re.findall(r"(\w+)=(\S*)", line))
            if "JobId" in record:
                records[record["JobId"]] = record
        return records

    # -- internals ---------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True, timeout: float = 20.0):
        proc = subprocess.run(
            [find_binary(args[0]), *args[1:]],
            capture_output=True,
            text=True,
            env=self.environ(),
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(args)} failed: {proc.stderr.strip()}")
        return proc

    def _spawn(self, name: str, *args: str) -> None:
        with open(self.root / "log" / f"{name}.out", "w") as log:
            proc = subprocess.Popen(
                [find_binary(name), *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environ(),
                start_new_session=True,
            )
        self._procs[name] = proc
        self.pids[name] = proc.pid

    def _wait(self, ready, deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise ClusterError(f"{name} exited with {proc.returncode}: {self._tail(name)}")
            if ready():
                return
            time.sleep(0.2)
        raise ClusterError(f"{what} not ready in time: {self._tail(what.split()[0])}")

    def _tail(self, name: str) -> str:
        texts = []
        for path in (self.root / "log" / f"{name}.out", self.root / "log" / f"{name}.log"):
            if path.exists():
                texts.append(path.read_text(errors="replace")[-1500:])
        return "\n".join(texts)

    def _controller_up(self) -> bool:
        return self._run("scontrol", "ping", check=False).returncode == 0

    def _node_idle(self) -> bool:
        proc = self._run(
            "sinfo", "--noheader", "--format=%t", "--partition", PARTITION, check=False
        )
        return proc.returncode == 0 and proc.stdout.strip() == "idle"

    def _start_munge(self, deadline: float) -> None:
        munge = self.root / "munge"
        key = munge / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o400)
        self._spawn(
            "munged",
            "--foreground",
            f"--socket={self.munge_socket}",
            f"--key-file={key}",
            f"--pid-file={munge / 'munged.pid'}",
            f"--seed-file={munge / 'munged.seed'}",
            f"--log-file={self.root / 'log' / 'munged.log'}",
        )

        def answers() -> bool:
            cred = subprocess.run(
                [find_binary("munge"), "--socket", str(self.munge_socket), "--no-input"],
                capture_output=True,
                timeout=5,
                check=False,
            )
            if cred.returncode != 0:
                return False
            back = subprocess.run(
                [find_binary("unmunge"), "--socket", str(self.munge_socket)],
                input=cred.stdout,
                capture_output=True,
                timeout=5,
                check=False,
            )
            return back.returncode == 0

        self._wait(answers, deadline, "munged")

    def _write_files(self) -> None:
        # munged insists that every user can reach its socket.
        self.root.chmod(0o755)
        for sub in ("munge", "state", "spool", "log", "bin"):
            (self.root / sub).mkdir(mode=0o755)
        log = self.root / "log"
        ctld_port, slurmd_port = free_ports(2)
        lines = [
            "ClusterName=testcluster",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            "MpiDefault=none",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/filetxt",
            f"JobCompLoc={self.jobcomp}",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            # A job without a memory request would otherwise hold the whole node.
            "DefMemPerCPU=1000",
            # Trust the node's declared CPUs and memory instead of draining it for a mismatch.
            "SlurmdParameters=config_overrides",
            "ReturnToService=2",
            f"MinJobAge={MIN_JOB_AGE_S}",
            f"StateSaveLocation={self.root / 'state'}",
            f"SlurmdSpoolDir={self.root / 'spool'}",
            f"SlurmctldPidFile={self.root / 'slurmctld.pid'}",
            f"SlurmdPidFile={self.root / 'slurmd.pid'}",
            f"SlurmctldLogFile={log / 'slurmctld.log'}",
            f"SlurmdLogFile={log / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={NODE_MEMORY_MB} State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
        ]
        self.conf.write_text("\n".join(lines) + "\n")
        srun = self.bin / "srun"
        srun.write_text(
            "#!/bin/sh\n"
            f"SLURM_CONF={shlex.quote(str(self.conf))}\n"
            "export SLURM_CONF\n"
            f'exec {shlex.quote(find_binary("srun"))} "$@"\n'
        )
        srun.chmod(0o755)
