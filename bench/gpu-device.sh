#!/usr/bin/env bash
# The GPU benchmark in one script, for a Linux machine with an NVIDIA GPU (CUDA driver,
# `nvidia-smi`), run from a checkout whose node_modules are installed (they are not downloaded
# here: the machine may have no internet). It prints the GPU, what `tokenscope backends` finds
# (the WebGPU adapter must say "hardware"), then `npm run bench` on webgpu, wasm and
# tfjs-node-gpu where installed, beside PyTorch on the CPU and on CUDA where python has torch
# with CUDA, for the reference step and the Occ3D-size model, with the ratios:
#   training-step speed-up over wasm (target ≥ 10×) and time ratio ours / PyTorch CUDA (target ≤ 3).
#
#   bash bench/gpu-device.sh                 # everything
#   BENCH_PRESETS=reference bash bench/gpu-device.sh
#   PY=/opt/conda/bin/python bash bench/gpu-device.sh   # the python with CUDA torch
#
# Dawn reaches the GPU through Vulkan: the Vulkan loader (libvulkan.so.1) and NVIDIA's ICD file
# must be present. Containers often mount the ICD under /usr/local/nvidia; VK_DRIVER_FILES (or
# the older VK_ICD_FILENAMES) set by the caller win over the search below.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "GPU"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
  echo "nvidia-smi not found: no NVIDIA driver here (the webgpu figures will be for whatever adapter Dawn finds)"
fi

say "Node"
command -v node >/dev/null || { echo "node (>= 20.19) is required and was not found"; exit 2; }
node --version
for m in webgpu @tensorflow/tfjs-backend-webgpu @tensorflow/tfjs-backend-wasm tsx; do
  [ -e "node_modules/$m/package.json" ] || { echo "node_modules/$m is missing: install the dependencies first (npm ci)"; exit 2; }
done

say "Vulkan"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"; break; fi
  done
fi
echo "ICD: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-none set (the loader searches its default folders)}}"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  # No system loader: use one beside the NVIDIA libraries or Chromium's copy, where there is one.
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/chromium /usr/lib64/chromium; do
    if [ -f "$d/libvulkan.so.1" ]; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; echo "loader: $d/libvulkan.so.1"; break; fi
  done
fi

say "tokenscope backends"
node bin/tokenscope.mjs backends
if ! node bin/tokenscope.mjs backends --json | node -e '
  const l = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const g = l.find((b) => b.name === "webgpu");
  process.exit(g && g.usable && g.adapter && !g.adapter.software ? 0 : 1);'; then
  echo "WARNING: WebGPU has no hardware adapter here: the webgpu figures below are not a GPU's (or are absent)"
fi

say "PyTorch"
PY="${PY:-$(command -v python3 || echo /usr/bin/python3)}"
export PY
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' \
  || echo "no torch in $PY: PyTorch figures skipped"

say "bench"
export BENCH_BACKENDS="${BENCH_BACKENDS:-webgpu,tensorflow-gpu,wasm}"
uptime
npx tsx bench/run.ts
