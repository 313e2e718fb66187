"""Image captions and visual questions: BLIP-2 (Blip2ForConditionalGeneration) or BLIP
(BlipForConditionalGeneration), chosen from the folder's config.json model_type."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PIL import Image

from models.base import ModelWrapper
from models.errors import ModelUnavailable
from models.folders import read_json


def _kind_of(path) -> str:
    mt = read_json(path / "config.json").get("model_type", "")
    return {"blip-2": "blip2", "blip": "blip"}.get(mt, "")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Captioner(ModelWrapper):
    role = "caption"

    def __init__(self, path, kind: str = "", **kw):
        kw.setdefault("batch_size", 8)
        super().__init__(path, **kw)
        self.kind = kind or _kind_of(self.path)
        if self.kind not in ("blip", "blip2"):
            raise ModelUnavailable("caption", f"{self.path} is not a BLIP or BLIP-2 model")
        self.model = None
        self.processor = None

    @property
    def can_answer(self) -> bool:
        """BLIP-2 answers with a 'Question: … Answer:' prompt; the BLIP captioning head cannot."""
        return self.kind == "blip2"

    def _load(self) -> None:
        import torch
        from transformers import AutoProcessor

        if self.kind == "blip2":
            from transformers import Blip2ForConditionalGeneration as cls
        else:
            from transformers import BlipForConditionalGeneration as cls
        kwargs: dict = {}
        if self.precision == "nf4":
            from transformers import BitsAndBytesConfig  # bitsandbytes itself only loads on CUDA

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float16)
            kwargs["device_map"] = {"": 0}
            self._dtype = torch.float16
        else:
            self._dtype = torch.float16 if self.precision == "fp16" else torch.float32
        model = cls.from_pretrained(self.path, dtype=self._dtype, **kwargs)
        if "device_map" not in kwargs:
            model.to(self.device)
        model.eval()
        self.processor = AutoProcessor.from_pretrained(self.path)
        self.model = model

    def _generate(self, images: Sequence[Image.Image], prompts: list[str] | None,
                  max_new_tokens: int) -> list[str]:
        import torch

        imgs = [im if im.mode == "RGB" else im.convert("RGB") for im in images]
        if self.kind == "blip2":
            # the BLIP-2 processor inserts the query-token placeholders in front of the text
            enc = self.processor(images=imgs, text=prompts or [""] * len(imgs), return_tensors="pt",
                                 padding=True)
        elif prompts:
            enc = self.processor(images=imgs, text=prompts, return_tensors="pt", padding=True)
        else:
            enc = self.processor(images=imgs, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        enc["pixel_values"] = enc["pixel_values"].to(self._dtype)
        with torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False)
        if self.kind == "blip2" and "input_ids" in enc:
            out = out[:, enc["input_ids"].shape[1]:]  # decoder-only: drop the echoed prompt
        return [_clean(t) for t in self.processor.batch_decode(out, skip_special_tokens=True)]

    def caption(self, images: Sequence[Image.Image], max_new_tokens: int = 30,
                batch_size: int | None = None) -> list[str]:
        """One caption per image (batched; out-of-memory halves the batch, then uses the CPU)."""
        images = list(images)
        if not images:
            return []
        with self._session():
            return self._batched(images, lambda chunk: self._generate(chunk, None, max_new_tokens),
                                 batch_size)

    def answer(self, image: Image.Image, question: str, max_new_tokens: int = 30) -> str:
        if not self.can_answer:
            raise ModelUnavailable("caption", (
                "the caption model (BLIP) cannot answer questions about a photo; set a BLIP-2 "
                "model with `shoebox models use caption Salesforce/blip2-opt-2.7b`"))
        prompt = f"Question: {_clean(question)} Answer:"
        with self._session():
            return self._batched([image], lambda chunk: self._generate(chunk, [prompt], max_new_tokens),
                                 1)[0]
