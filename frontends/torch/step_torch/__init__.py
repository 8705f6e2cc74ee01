"""step's PyTorch frontend: torch.fx -> MLIR (func + linalg + sparse_tensor) and tensor stores."""
from .fx_import import FUSION_MODES, FrontendError, import_module, write_store
from .ops import MaskedSoftmax
from .tensor_store import FORMATS, TensorStore, load_all, load_manifest, load_tensor

__all__ = ["FUSION_MODES", "FORMATS", "FrontendError", "MaskedSoftmax", "TensorStore",
           "import_module", "load_all", "load_manifest", "load_tensor", "write_store"]
