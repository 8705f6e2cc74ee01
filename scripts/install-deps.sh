#!/usr/bin/env bash
# Installs the Debian bookworm packages step needs, and only those missing.
# Idempotent: when everything is present it touches nothing (no apt-get).
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache python3 make
  # experiment scripts and plots
  python3-numpy python3-matplotlib
  # PyTorch frontend (torch.fx), sparse example models and graph data
  python3-torch python3-networkx
  # LLVM / MLIR 19 (FileCheck, not, lit.py come with llvm-19-tools)
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  # libraries
  libboost-graph-dev libtbb-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libbenchmark-dev libsystemc-dev
  # step-tune: Gaussian-process surrogate (Eigen), optional MPI back-end
  libeigen3-dev libopenmpi-dev openmpi-bin
  # step-tune's language-model client (tuner/llm)
  libcurl4-openssl-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
