"""8-bit weights for a query encoder's ONNX graph (models/onnx_text.py).

A search query is one short text: its encoder's matrix products are one row of tokens times
each weight matrix, so the time goes into reading the weights (CLIP's text tower streams
152 MB of float32 a query). Each `MatMul` by a constant weight matrix becomes ONNX Runtime's
`MatMulNBits` with 8-bit weights in blocks of BLOCK rows, a scale each, and int8 arithmetic
(`accuracy_level` 4: the activations rounded to int8 per block too, MLAS's VNNI kernels).

Measured on this project's 2-core machine (docs/BENCHMARKS.md, "8-bit weights for the query
encoders"): the real MiniLM over 125 queries, cosine to float32 mean 0.99976, lowest 0.99938,
3.6 -> 2.2 ms; CLIP's text tower (random weights) 24 -> 14 ms. Dynamic int8 quantization
(activations per tensor) lost too much (lowest 0.98); blocks of 16 keep the activations'
outliers from spoiling their neighbours' rounding. Whether a graph is used is decided where
it is made, against torch, on the user's own weights (onnx_text.export).
"""

from __future__ import annotations

import numpy as np

BLOCK = 16          # weight rows (and activation values) sharing one scale
LEVELS = 127        # symmetric: -127..127 around the zero point 128


def int8_weights(model, block: int = BLOCK) -> int:
    """Rewrite the onnx ModelProto in place: every MatMul whose right side is a float32
    initializer with a multiple of `block` rows becomes a MatMulNBits. Returns how many."""
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    nodes, gone, done = [], set(), 0
    for node in graph.node:
        w = weights.get(node.input[1]) if node.op_type == "MatMul" else None
        mat = numpy_helper.to_array(w) if w is not None else None
        if mat is None or mat.ndim != 2 or mat.dtype != np.float32 or mat.shape[0] % block:
            nodes.append(node)
            continue
        k, n = mat.shape
        blocks = mat.T.reshape(n, k // block, block)
        scale = np.abs(blocks).max(axis=2, keepdims=True) / LEVELS
        scale[scale == 0] = 1
        codes = (np.clip(np.rint(blocks / scale), -LEVELS, LEVELS) + 128).astype(np.uint8)
        name = f"{node.input[1]}_int8_{done}"
        graph.initializer.extend([numpy_helper.from_array(codes, name),
                                  numpy_helper.from_array(scale.reshape(-1).astype(np.float32),
                                                          name + "_scale")])
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], name, name + "_scale"], list(node.output),
            name=f"{node.name}_int8", domain="com.microsoft", K=k, N=n, bits=8,
            block_size=block, accuracy_level=4))
        uses[node.input[1]] -= 1
        if not uses[node.input[1]]:
            gone.add(node.input[1])
        done += 1
    if done:
        del graph.node[:]
        graph.node.extend(nodes)
        kept = [i for i in graph.initializer if i.name not in gone]
        del graph.initializer[:]
        graph.initializer.extend(kept)
        if not any(o.domain == "com.microsoft" for o in model.opset_import):
            model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return done
