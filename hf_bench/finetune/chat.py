"""A user prompt and an answer as token ids, rendered with the model's chat template; only the answer is learned.

The prompt is rendered as the template renders a conversation awaiting the assistant (``add_generation_prompt``);
what the template writes after an assistant answer (``<|im_end|>\\n`` for Qwen) is read off a rendering with a
marker answer. The prompt and ``answer + end`` are tokenized separately and concatenated, so the prompt's tokens
are exactly those generation starts from, and the loss mask is exact: every prompt (and audio) position is -100.
A tokenizer without a chat template gets ``FALLBACK_TEMPLATE`` (``user: ...`` / ``assistant: ...``) and its EOS
token after the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from hf_bench.errors import HFBenchError
from hf_bench.wu.prompts import AUDIO_TAG

IGNORE = -100
FALLBACK_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                     "{% if add_generation_prompt %}assistant: {% endif %}")
_MARK = "\u0000ANSWER\u0000"


@dataclass(frozen=True)
class Rendered:
    prompt: str        # the user turn up to where the answer starts (audio placeholder included)
    end: str           # what follows an answer in the template ("" when only the EOS token does)
    eos_after: bool    # append the EOS token after ``end``


def _apply(tokenizer, messages, generation: bool) -> str:
    template = getattr(tokenizer, "chat_template", None) or FALLBACK_TEMPLATE
    return tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False,
                                         add_generation_prompt=generation)


def render(tokenizer, user: str, *, audio_text: str) -> Rendered:
    """The prompt string of a user turn (``<audio>`` replaced by the model's ``audio_text``) and the answer's end."""
    if user.count(AUDIO_TAG) != 1:
        raise HFBenchError(f"the prompt has {user.count(AUDIO_TAG)} {AUDIO_TAG} tags, not one", where=repr(user),
                           fix=f"put exactly one {AUDIO_TAG} where the audio goes")
    messages = [{"role": "user", "content": user.replace(AUDIO_TAG, audio_text)}]
    prompt = _apply(tokenizer, messages, True)
    marked = _apply(tokenizer, messages + [{"role": "assistant", "content": _MARK}], False)
    has_template = bool(getattr(tokenizer, "chat_template", None))
    if has_template:
        start = marked.find(_MARK)
        end = marked[start + len(_MARK):] if start >= 0 else ""
    else:
        end = ""
        if tokenizer.bos_token and not prompt.startswith(tokenizer.bos_token):
            prompt = tokenizer.bos_token + prompt
    # a template that closes the turn (<|im_end|>) teaches stopping; otherwise the EOS token does
    return Rendered(prompt, end, not end.strip() and tokenizer.eos_token_id is not None)


def answer_ids(tokenizer, rendered: Rendered, answer: str) -> list[int]:
    """Token ids of ``answer`` followed by the template's turn end (and EOS where the template has none)."""
    ids = list(tokenizer(answer + rendered.end, add_special_tokens=False)["input_ids"])
    if rendered.eos_after:
        ids.append(int(tokenizer.eos_token_id))
    return ids


def prompt_ids(tokenizer, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def masked(prompt: list[int], answer: list[int]) -> tuple[list[int], list[int]]:
    """(input ids, labels): the answer's positions carry their token, every prompt position IGNORE."""
    return prompt + answer, [IGNORE] * len(prompt) + answer


__all__ = ["IGNORE", "FALLBACK_TEMPLATE", "Rendered", "render", "answer_ids", "prompt_ids", "masked"]
