# -*- Python -*-
# lit configuration for Kiln's FileCheck tests (test/<Area>/ mirrors lib/).
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".pbtxt"]
config.excludes = ["Inputs", "runtime", "fuzz", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py", "fixtures"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

# $KILN_TF_FIXTURES overrides the configured folder, as for the GoogleTests.
config.kiln_tf_fixtures = (os.environ.get("KILN_TF_FIXTURES") or
                           config.kiln_tf_fixtures)

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%tf_fixtures", config.kiln_tf_fixtures))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%kiln_obj", config.kiln_obj_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                     "TSAN_OPTIONS", "LSAN_OPTIONS"])
llvm_config.use_default_substitutions()

tools = ["kiln-abi-check", "graph-opt", "graph-translate", "graph-run", "graph-compile", "graph-ckpt", "convert-to-records"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools],
    [config.kiln_tools_dir, config.llvm_tools_dir])
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Tests on TensorFlow-written files run only where ../shared/fixtures/tf
# exists; under CI=true its absence stops the run, since skipped tests would
# let a broken path pass for green.
if os.path.isdir(config.kiln_tf_fixtures):
    config.available_features.add("tf-fixtures")
elif os.environ.get("CI", "").lower() in ("true", "1"):
    lit_config.fatal("TF fixtures not found at %s, and CI=true requires them "
                     "(configure with -DKILN_TF_FIXTURES=DIR)"
                     % config.kiln_tf_fixtures)
else:
    lit_config.note("TF fixtures not found at %s: tests that need them are "
                    "UNSUPPORTED (skipped)" % config.kiln_tf_fixtures)
