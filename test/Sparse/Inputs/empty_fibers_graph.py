"""Writes a 6-node graph store whose GCN/GraphSAGE intermediates have empty
fibers: node 4 is isolated (an empty adjacency row), node 5 has no features
(an empty row of x), and node 3's only neighbor is node 5, so the product of
its adjacency row with x is empty too. 5 features, about a third stored
(CSR: graphsage.py reads x as DCSR, under half the entries being nonzero).

    empty_fibers_graph.py DIR
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "sparse_models"))
import graphs  # noqa: E402
from step_torch.tensor_store import TensorStore  # noqa: E402

N, F = 6, 5
EDGES = [(0, 1), (1, 2), (0, 2), (3, 5)]
X = [(0, 0), (0, 3), (1, 1), (2, 4), (2, 0), (3, 2), (4, 1), (4, 3)]  # (node, feature)

store = TensorStore(sys.argv[1])
rows = np.array([a for a, b in EDGES] + [b for a, b in EDGES])
cols = np.array([b for a, b in EDGES] + [a for a, b in EDGES])
graphs.write_coo(store, "adj", (N, N), rows, cols, "dcsr")
graphs.write_coo(store, "x", (N, F), np.array([a for a, _ in X]), np.array([b for _, b in X]), "csr")
store.write_manifest(nodes=N, edges=len(rows), features=F, classes=3, density=len(rows) / N / N,
                     seed=0, dataset="empty-fibers", synthetic=True)
