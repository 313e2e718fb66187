"""The built-in model roles, registered in the order `shoebox models status` lists them.

Each module here is one role's whole contract (models/role.py); they never import each other
(import-linter). A new role: its module, and one `register` line below.
"""

from models.role import register
from models.roles import caption, clip, faces, llm, sentences, text, whisper

register(clip.ClipRole())
register(caption.CaptionRole())
register(whisper.WhisperRole())
register(llm.LLMRole())
register(faces.FacesRole())
register(text.TextRole())
register(sentences.SentencesRole())
