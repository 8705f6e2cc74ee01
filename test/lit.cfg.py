# lit configuration of the step regression tests (check-step).
import os
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "step"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "Unit", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.step_obj_root, "test")

config.substitutions.append(("%step_src", config.step_src_root))
config.substitutions.append(("%examples", os.path.join(config.step_src_root, "examples")))
config.substitutions.append(("%step_obj", config.step_obj_root))
config.substitutions.append(("%python", sys.executable))
# An interpreter with numpy for the tests that need it: Debian's python3
# (python3-numpy), which the lit-running interpreter need not be.
config.substitutions.append(
    ("%pysys", "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable))

# The PyTorch frontend (frontends/torch) and its example models run under
# Debian's python3 with python3-torch; tests of them say `REQUIRES: torch`.
_pysys = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
import subprocess
if subprocess.run([_pysys, "-c", "import torch, networkx"], capture_output=True).returncode == 0:
    config.available_features.add("torch")
config.substitutions.append(
    ("%torch_import", _pysys + " " + os.path.join(config.step_src_root, "frontends", "torch", "torch-import")))
config.substitutions.append(
    ("%sparse_models", os.path.join(config.step_src_root, "examples", "sparse_models")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["step-opt", "step-sim", "step-translate", "step-gen", "step-trace", "step-tune"], [config.step_tools_dir])
llvm_config.with_environment("PATH", config.step_tools_dir, append_path=True)

# step-tune's MPI back-end (CMake option STEP_TUNE_MPI, OpenMPI found):
# tests of it say `REQUIRES: mpi`.
if getattr(config, "step_tune_mpi", "").upper() in ("ON", "1", "TRUE"):
    config.available_features.add("mpi")
