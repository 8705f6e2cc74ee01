# lit configuration of the GoogleTest unit tests: every *Tests binary under
# build/test/Unit is run test by test.
import os

import lit.formats

config.name = "step-unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.step_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
