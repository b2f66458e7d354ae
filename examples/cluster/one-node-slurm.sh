#!/usr/bin/env bash
# Starts or stops a one-node Slurm cluster on this machine, to try slurm.sbatch without a real cluster.
# Everything lives in DIR: slurm.conf, a private munge key and socket, state, spool, logs and pid files;
# the daemons listen on the loopback address only. Run as root (slurmd starts jobs as their user);
# needs the Debian packages slurm-wlm and munge. Then point the Slurm commands at the cluster:
#
#   one-node-slurm.sh start DIR && export SLURM_CONF=DIR/slurm.conf
#   sbatch --array=0-4 slurm.sbatch train ...       # as in slurm.sbatch
#   one-node-slurm.sh stop DIR
#
# SLURM_PORT (default: a random one above 20000) is slurmctld's port; slurmd listens on the next one.
set -euo pipefail
usage() { echo "usage: one-node-slurm.sh start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
step=$1
dir=$(cd "$2" 2>/dev/null && pwd) || { echo "one-node-slurm.sh: $2: no such directory" >&2; exit 66; }
export SLURM_CONF=$dir/slurm.conf

# Says why the cluster is not up, with the end of each log, and exits 69 (service unavailable).
fail() {
    echo "one-node-slurm.sh: $1" >&2
    for log in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
        [ -s "$log" ] && { echo "--- end of $log" >&2; tail -n 15 "$log" >&2; }
    done
    exit 69
}

stop() {
    if [ -f "$dir/slurmctld.pid" ] || [ -f "$dir/slurmd.pid" ]; then
        scontrol shutdown >/dev/null 2>&1 || true
        # scontrol asks both daemons to stop; one that does not within 10 s is killed.
        for pidfile in "$dir/slurmctld.pid" "$dir/slurmd.pid"; do
            [ -f "$pidfile" ] || continue
            pid=$(cat "$pidfile")
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$pidfile"
        done
    fi
    if [ -S "$dir/munge/munge.socket" ]; then
        munged --stop --socket="$dir/munge/munge.socket" >/dev/null 2>&1 || true
    fi
}

case $step in
stop) stop; exit 0 ;;
start) ;;
*) usage ;;
esac

[ "$(id -u)" -eq 0 ] || fail "must run as root (slurmd starts each job as the user who submitted it)"
for program in munged slurmctld slurmd sbatch scontrol sinfo; do
    command -v "$program" >/dev/null || fail "$program is not installed (apt-get install slurm-wlm munge)"
done

mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir/munge"
# A private key: the daemons and the commands authenticate each other through this munged only.
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" \
    || fail "munged did not start"

port=${SLURM_PORT:-$((20000 + RANDOM % 20000))}
host=$(hostname -s)
cat > "$SLURM_CONF" <<EOF
ClusterName=ul
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups: containers and CI machines often cannot delegate them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
# The scheduler looks at pending jobs every second (the default is a minute): a dependent job starts
# as soon as its array is done.
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# A job whose dependency can never be met (a failed array task) is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ul Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -i || { stop; fail "slurmctld did not start"; }
slurmd || { stop; fail "slurmd did not start"; }
for _ in $(seq 300); do
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && exit 0
    sleep 0.1
done
state=$(sinfo -h -o %T 2>&1 || true)
stop
fail "the node did not become idle within 30 s (state: ${state:-none})"
