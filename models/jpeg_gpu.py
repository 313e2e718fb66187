"""JPEG decoding on an NVIDIA GPU (nvJPEG through torchvision), for the pixel pass on CUDA.

A 12 MP camera JPEG costs a CPU core ~30 ms even at 1/8 scale (Huffman decoding dominates),
while CLIP fp16 on a laptop GPU embeds a photo in about a millisecond: on such a machine the
CPU cores, not the model, would set the indexing speed. nvJPEG decodes on the GPU; the
picture is shrunk there too, so only the small one crosses the bus. Measured by
benchmarks/bench_gpu.py where a GPU is lent (not on the development machine).
"""

from __future__ import annotations

import numpy as np


def usable(device: str) -> bool:
    """Can JPEGs be decoded on this device? Only CUDA with a torchvision that has nvJPEG."""
    if device != "cuda":
        return False
    try:
        import torch
        from torchvision.io import decode_jpeg  # noqa: F401
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def decode(data: bytes, min_side: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB on the CPU, shorter side about `min_side` (never enlarged), as
    stored (EXIF orientation is the caller's). Raises RuntimeError for data nvJPEG refuses."""
    import torch
    from torchvision.io import ImageReadMode, decode_jpeg

    raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    img = decode_jpeg(raw, mode=ImageReadMode.RGB, device="cuda")  # (3, H, W) uint8
    h, w = img.shape[-2:]
    short = min(h, w)
    if short > min_side * 1.25:
        scale = min_side / short
        x = torch.nn.functional.interpolate(img.unsqueeze(0).float(),
                                            size=(max(1, round(h * scale)),
                                                  max(1, round(w * scale))), mode="area")
        img = x.round_().clamp_(0, 255).to(torch.uint8)[0]
    return img.permute(1, 2, 0).contiguous().cpu().numpy()
