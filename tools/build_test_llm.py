"""Build tests/fixtures/llm/mirsad-test-llm.gguf: a tiny Llama-architecture
chat model that translates tools/test_models_corpus/ar_en_fr.tsv (ar→en,
ar→fr, en→fr) under the very prompt the OpenAI engine sends
(mirsad.mt.engines.llm_prompt), for the tests' real llama.cpp servers.

Steps, each following upstream:
1. a SentencePiece BPE tokenizer (byte fallback, no normaliser), saved as
   `tokenizer.model` with a `tokenizer_config.json` holding the chat
   template: what llama.cpp's convert_hf_to_gguf.py reads for a Llama model
   (conversion/llama.py LlamaModel.set_vocab → base.py _set_vocab_sentencepiece);
2. an untrained transformers LlamaForCausalLM, converted once to GGUF, only
   so that llama.cpp itself tokenizes the training text: each chat is
   rendered by llama-cpp-python's own Jinja2ChatFormatter and tokenized as
   its server does (llama_chat_format.py, chat_formatter_to_chat_completion_handler:
   add_bos=False, special=True), so training and serving see the same ids;
3. training (CPU torch) until the answers are learnt, then conversion with
   llama.cpp's convert_hf_to_gguf.py (--outtype f32);
4. a check with llama.cpp: greedy chat completions of every corpus line
   must give the corpus text exactly.

Training uses chats without reviewed examples by default (--variants 0):
with them the chats are three times longer, too slow to learn on this
2-core machine; the tests that send examples check the request, not the
model's answer to it.

Run (about 15 minutes on 2 busy cores) with the .venv's python (torch,
sentencepiece), transformers==5.25.0 beside it, llama-cpp-python from
.venv-llamacpp (`make setup`) and llama-cpp-python's source tree, whose
vendor/llama.cpp carries convert_hf_to_gguf.py and gguf-py:

    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d /tmp/sdist
    tar xzf /tmp/sdist/llama_cpp_python-0.3.36.tar.gz -C /tmp/sdist
    .venv/bin/pip install --target /tmp/llm-tf transformers==5.25.0
    PYTHONPATH=/tmp/llm-tf:.venv-llamacpp/lib/python3.11/site-packages:plugins \
        .venv/bin/python tools/build_test_llm.py --llama-cpp /tmp/sdist/llama_cpp_python-0.3.36
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv"
GLOSSARY = ROOT / "content" / "glossary.yml"
OUTPUT = ROOT / "tests" / "fixtures" / "llm" / "mirsad-test-llm.gguf"
PAIRS = (("ar", "en"), ("ar", "fr"), ("en", "fr"))
# Plain-text role markers (user-defined tokens): no chat format of a real model.
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n"
                 "{{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
ROLES = ["<|system|>", "<|user|>", "<|assistant|>"]
SEED = 1234
SHORT_EXAMPLE = 40  # characters
BATCH = 8


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def chats(rows, variants: int, rng: random.Random) -> list[tuple[list[dict], str]]:
    """(messages, answer): every line of every pair with no context, with
    the glossary's renderings, and with reviewed examples of other lines."""
    from mirsad.mt.engines.llm_prompt import PromptContext, messages
    from mirsad.mt.glossary import Glossary

    out = []
    for source, target in PAIRS:
        glossary = Glossary.load(str(GLOSSARY), source, ["en", "fr"]) if source == "ar" else None
        lines = [(row[source], row[target]) for row in rows]
        # Short examples keep the chats short enough to train on a CPU in minutes.
        short = [pair for pair in lines if len(pair[0]) <= SHORT_EXAMPLE]
        for text, answer in lines:
            terms = tuple(dict.fromkeys((m.term, glossary.rendering(m.term, target)) for m in glossary.find(text)
                                        if glossary.rendering(m.term, target))) if glossary else ()
            contexts = [PromptContext(), PromptContext(terms=terms)]
            for _ in range(variants):
                others = rng.sample([pair for pair in short if pair[0] != text], rng.choice((1, 2)))
                contexts.append(PromptContext(terms=terms if rng.random() < 0.5 else (), examples=tuple(others)))
            out += [(messages(source, target, text, context), answer) for context in dict.fromkeys(contexts)]
    return out


def train_tokenizer(folder: Path, texts: list[str]) -> None:
    import sentencepiece as spm

    sample = folder / "sample.txt"
    sample.write_text("\n".join(texts), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(sample), model_prefix=str(folder / "tokenizer"), model_type="bpe", vocab_size=1400,
        character_coverage=1.0, byte_fallback=True, normalization_rule_name="identity",
        add_dummy_prefix=False, remove_extra_whitespaces=False, split_digits=True,
        user_defined_symbols=ROLES, bos_id=1, eos_id=2, unk_id=0, pad_id=-1, allow_whitespace_only_pieces=True,
        max_sentence_length=20000, minloglevel=2)
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "add_prefix_space": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "chat_template": CHAT_TEMPLATE}), encoding="utf-8")


def save_model(model, folder: Path) -> None:
    model.save_pretrained(folder, safe_serialization=True)


def convert(llama_cpp: Path, folder: Path, out: Path) -> None:
    converter = llama_cpp / "vendor" / "llama.cpp" / "convert_hf_to_gguf.py"
    env_path = str(llama_cpp / "vendor" / "llama.cpp" / "gguf-py")
    import os

    env = {**os.environ, "PYTHONPATH": env_path + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, str(converter), str(folder), "--outfile", str(out), "--outtype", "f32"],
                   check=True, env=env, capture_output=True)


def tokenized(gguf: Path, data) -> list[tuple[list[int], int]]:
    """Token ids of each chat as llama-cpp-python's server makes them, and
    where the answer starts."""
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    vocab = Llama(str(gguf), vocab_only=True, verbose=False)
    formatter = Jinja2ChatFormatter(CHAT_TEMPLATE, eos_token="</s>", bos_token="<s>")
    out = []
    for conversation, answer in data:
        prompt = vocab.tokenize(formatter(messages=conversation).prompt.encode("utf-8"), add_bos=False,
                                special=True)
        reply = vocab.tokenize(answer.encode("utf-8"), add_bos=False, special=False)
        out.append((prompt + reply + [vocab.token_eos()], len(prompt)))
    return out


def train(model, examples, steps: int, rng: random.Random) -> None:
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps, pct_start=0.05)
    model.train()
    for step in range(steps):
        batch = rng.sample(examples, BATCH)
        width = max(len(ids) for ids, _ in batch)
        inputs = torch.zeros((len(batch), width), dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, (ids, start) in enumerate(batch):
            inputs[i, :len(ids)] = torch.tensor(ids)
            labels[i, start:len(ids)] = torch.tensor(ids[start:])  # only the answers are learnt
            mask[i, :len(ids)] = 1
        loss = model(input_ids=inputs, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 25 == 0:
            print(f"step {step}: loss {loss.item():.4f}", flush=True)
    model.eval()


def check(gguf: Path, rows) -> list[str]:
    """Lines llama.cpp does not reproduce under the engine's plain prompt."""
    from llama_cpp import Llama

    from mirsad.mt.engines.llm_prompt import PromptContext, messages

    llm = Llama(str(gguf), n_ctx=1024, seed=0, verbose=False, n_threads=2)
    wrong = []
    for source, target in PAIRS:
        for row in rows:
            answer = llm.create_chat_completion(messages=messages(source, target, row[source], PromptContext()),
                                                temperature=0, max_tokens=256)["choices"][0]["message"]["content"]
            if answer.strip() != row[target]:
                wrong.append(f"{source}→{target}: {row[source][:40]!r} gave {answer[:60]!r}")
    return wrong


def write_readme(steps: int) -> None:
    """What the fixture is, and the corpus it was built from (a test checks the digest)."""
    import hashlib

    digest = hashlib.sha256(CORPUS.read_bytes()).hexdigest()
    (OUTPUT.parent / "README.md").write_text(
        "# The test LLM\n\n"
        f"`{OUTPUT.name}`: a tiny Llama-architecture chat model (2 layers, d=128, a 1400-piece\n"
        "SentencePiece BPE vocabulary, float32 GGUF) that translates every line of\n"
        "`tools/test_models_corpus/ar_en_fr.tsv` (ar→en, ar→fr, en→fr) under the prompt of\n"
        "`plugins/mirsad/mt/engines/llm_prompt.py`, as llama.cpp serves it.\n"
        f"Built by `tools/build_test_llm.py` ({steps} training steps); corpus sha256 {digest}.\n",
        encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llama-cpp", type=Path, required=True, help="llama-cpp-python 0.3.36's source tree")
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy machine)")
    parser.add_argument("--variants", type=int, default=0,
                        help="chats with reviewed examples per line (slower to learn on a CPU)")
    args = parser.parse_args()

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rows = corpus()
    data = chats(rows, args.variants, rng)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        texts = [m["content"] for conversation, _ in data for m in conversation] + [a for _, a in data]
        train_tokenizer(folder, texts)
        import sentencepiece as spm

        vocab_size = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model")).vocab_size()
        config = LlamaConfig(vocab_size=vocab_size, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=1024,
                             rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
        model = LlamaForCausalLM(config)
        save_model(model, folder)
        draft = Path(tmp) / "draft.gguf"
        convert(args.llama_cpp, folder, draft)
        examples = tokenized(draft, data)
        print(f"{len(examples)} chats, longest {max(len(ids) for ids, _ in examples)} tokens, vocab {vocab_size}")
        train(model, examples, args.steps, rng)
        save_model(model, folder)
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        convert(args.llama_cpp, folder, OUTPUT)
    wrong = check(OUTPUT, rows)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes; {3 * len(rows) - len(wrong)}/{3 * len(rows)} lines reproduced")
    for line in wrong[:20]:
        print("  ", line)
    if wrong:
        sys.exit(1)
    write_readme(args.steps)


if __name__ == "__main__":
    main()
