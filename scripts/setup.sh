#!/usr/bin/env bash
# scripts/setup.sh: installs every Debian 12 package portrait needs to build,
# test, run the demo and operate a local Slurm. Idempotent and quiet; run as root
# (or with sudo available). Every other script calls it first.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git clang-format
  # MPI and parallel HDF5 (the Open MPI flavour; HDF5 1.10 here is not thread-safe)
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools hdf5-filter-plugin
  # libraries
  libboost-serialization-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libfmt-dev libxxhash-dev libssl-dev
  # tests and micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # cross-checks and plots (Debian's python3, not a virtualenv's)
  python3 python3-h5py python3-numpy python3-sklearn python3-matplotlib python3-yaml
  # oracles of the gradient-boosted trees and the contact-graph PageRank
  python3-xgboost python3-networkx
  # a local single-node Slurm for the batch-script tests (cluster/local/):
  # slurm-wlm brings slurmctld, slurmd, the client commands and the plugins
  # (mpi/pmix, which launches Debian's Open MPI under srun); munge signs its
  # credentials
  slurm-wlm munge
  # the multi-host test cluster (cluster/local/start-hosts.sh): network
  # namespaces and veth links (iproute2), and sshd on every host for Open
  # MPI's ssh launcher (the cluster starts its own sshd with its own keys)
  openssh-server openssh-client iproute2
  # the HTML report is rendered headless in tests/e2e/compare_report.sh, with a
  # font that covers its text
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup.sh: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup.sh: done"
