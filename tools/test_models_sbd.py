"""Rule-based sentence splitter in MiniSBD's ONNX format (for the test Argos packages).

MiniSBD (minisbd/inference.py, modules/data.py) feeds the model one paragraph at a
time: ``units`` int64 [B, T] are character ids from the ``vocab`` stored in the
model's metadata (unknown characters map to <UNK>, any whitespace becomes ' ',
padding is <PAD> = 0), ``features`` float32 [B, T, F] hold one column per entry of
``config.feat_funcs``. The model returns logits [B, T, 5]; argmax 0 = inside a
token, 1 = token end, 2 = sentence end (3/4 = multi-word-token variants).

This graph marks ``. ! ? ؟`` followed by a space or the end of the paragraph as a
sentence end and any character followed by a space as a token end. It uses only
``units``; ``features`` is declared because MiniSBD always passes it.
"""
from __future__ import annotations

import json

import numpy as np

UNITS = ["<PAD>", "<UNK>", " ", ".", "!", "?", "؟"]  # ids 0..6; everything else is <UNK>
SENTENCE_END = {".", "!", "?", "؟"}
CONFIG = {  # read by minisbd.inference.create_session
    "skip_newline": False, "max_seqlen": 1000, "no_ssplit": False, "batch_size": 32,
    "feat_funcs": ["space_before"], "use_dictionary": False, "num_dict_feat": 0,
}


def build_sbd_model(lang_code: str, opset: int = 13) -> bytes:
    from onnx import TensorProto, checker, helper, numpy_helper

    def const(name, array):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))

    brk = np.array([u in ("<PAD>", " ") for u in UNITS], dtype=np.float32)  # next unit ends a token
    punct = np.array([u in SENTENCE_END for u in UNITS], dtype=np.float32)
    logits = np.eye(5, dtype=np.float32)[:3] * 10.0  # label 0/1/2 -> one-hot logits
    nodes = [
        const("brk_table", brk), const("punct_table", punct), const("logit_table", logits),
        const("one", np.array([1], dtype=np.int64)), const("big", np.array([2 ** 62], dtype=np.int64)),
        const("pads", np.array([0, 0, 0, 1], dtype=np.int64)), const("zero", np.array(0, dtype=np.int64)),
        # next[b, t] = units[b, t + 1], PAD after the last position
        helper.make_node("Slice", ["units", "one", "big", "one"], ["tail"]),
        helper.make_node("Pad", ["tail", "pads", "zero"], ["next"], mode="constant"),
        helper.make_node("Gather", ["brk_table", "next"], ["next_breaks"], axis=0),
        helper.make_node("Gather", ["punct_table", "units"], ["is_punct"], axis=0),
        helper.make_node("Mul", ["is_punct", "next_breaks"], ["sent_end"]),
        helper.make_node("Add", ["next_breaks", "sent_end"], ["label_f"]),  # 0, 1 or 2
        helper.make_node("Cast", ["label_f"], ["label"], to=TensorProto.INT64),
        helper.make_node("Gather", ["logit_table", "label"], ["logits"], axis=0),
    ]
    graph = helper.make_graph(
        nodes, "rule_sbd",
        [helper.make_tensor_value_info("units", TensorProto.INT64, ["batch", "time"]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", "feats"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "time", 5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="mirsad-build-test-models", ir_version=7)
    vocab = {"lang": lang_code, "idx": 0, "cutoff": 0, "lower": False,
             "_unit2id": {u: i for i, u in enumerate(UNITS)}, "_id2unit": UNITS}
    helper.set_model_props(model, {
        "config": json.dumps(CONFIG), "vocab": json.dumps(vocab, ensure_ascii=False),
        "lexicon": "null", "lang_code": lang_code})
    checker.check_model(model, full_check=True)
    return model.SerializeToString()
