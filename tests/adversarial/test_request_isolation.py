"""One request's results do not depend on other requests' items merged into the same classifier call.

With the `multi` encoding every target of a (statement, holder) is marked in one sequence, so an item's
probabilities depend on the other targets it is read with. The service's adaptive batching (and article
analysis, over the articles of a batch) merges requests into one `StanceClassifier.predict` call; the
requests are kept apart by `groups` / `predict_requests`. Each case: request A alone, then A amid
request B's items for the same (statement, holder): A's encoded sequences and probabilities are the
same. The same merge without group keys shows that the cases do tell the two apart.
"""

from __future__ import annotations

import shutil

import pytest

from stance.article.analyze import article_request
from stance.classifier import StanceClassifier
from stance.encoding import encode_items, group_items
from stance.schema import Item
from tests.test_article_fixtures import GAZETTEER, analyzer, nlp, same_stances, tiny_model  # noqa: F401  (fixtures)
from tests.test_article_serve import server, store  # noqa: F401  (fixtures)

TEXT = "Iran praised China but condemned the United States and Russia."
IRAN = (0, 4)
NOISE = 1e-6
"""Float noise: another request's sequences in the same micro-batch pad this one's differently."""

CASES = {
    # A asks about China; B about the United States and Russia in the same statement, same holder.
    "other targets of the same statement": (
        [Item(text=TEXT, target_span=(13, 18), holder_span=IRAN)],
        [Item(text=TEXT, target_span=(37, 50), holder_span=IRAN), Item(text=TEXT, target_span=(55, 61), holder_span=IRAN)],
    ),
    # B repeats A's very item beside another target: A's copy must not be read in B's sequence.
    "the same item, asked with another target": (
        [Item(text=TEXT, target_span=(13, 18), holder_span=IRAN)],
        [Item(text=TEXT, target_span=(13, 18), holder_span=IRAN), Item(text=TEXT, target_span=(55, 61), holder_span=IRAN)],
    ),
    # B names targets that are not in the text (second segment) for the same statement and holder.
    "targets by name only": (
        [Item(text=TEXT, target="Israel", holder_span=IRAN), Item(text=TEXT, target_span=(13, 18), holder_span=IRAN)],
        [Item(text=TEXT, target="Turkey", holder_span=IRAN), Item(text="China has talks in Moscow.", target_span=(0, 5))],
    ),
}


@pytest.fixture(scope="module")
def onnx_model(tiny_model, tmp_path_factory):  # noqa: F811
    """The tiny `multi` model with its ONNX graphs, as registration writes them."""
    from training.onnx_export import export_and_quantize

    path = tmp_path_factory.mktemp("isolation") / "model"
    shutil.copytree(tiny_model, path)
    export_and_quantize(path)
    return path


def rows_of(tokenizer, spec, items: list[Item], groups=None, first: int = 0) -> dict[tuple[int, ...], list[int]]:
    """The input ids of each sequence that reads items `first`.. (as indices from `first`), by items."""
    encoded = encode_items(tokenizer, items, spec.scheme, spec.max_length, groups)
    return {tuple(t - first for t in targets): ids for targets, ids in zip(encoded.targets, encoded.features["input_ids"])
            if all(t >= first for t in targets)}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_a_request_reads_the_same_alone_and_amid_another_request(onnx_model, backend, case) -> None:
    mine, theirs = CASES[case]
    classifier = StanceClassifier.from_path(onnx_model, backend=backend, bf16=False)
    merged = theirs + mine
    groups = ["B"] * len(theirs) + ["A"] * len(mine)
    # The model input itself: A's sequences are the ones A gets alone.
    assert rows_of(classifier.tokenizer, classifier.spec, merged, groups, first=len(theirs)) == \
        rows_of(classifier.tokenizer, classifier.spec, mine)
    alone = classifier.logits(mine)
    together = classifier.logits(merged, groups)[len(theirs):]
    assert (together - alone).abs().max() <= NOISE
    for got, expected in zip(classifier.predict_requests([theirs, mine])[1], classifier.predict(mine), strict=True):
        assert got.stance == expected.stance and got.sentiment == expected.sentiment
        assert all(abs(got.stance_probs[k] - expected.stance_probs[k]) <= 2 * NOISE for k in got.stance_probs)
    # Without group keys the merge is one request, and A's answers move: the case is a real one.
    assert (classifier.logits(merged)[len(theirs):] - alone).abs().max() > 100 * NOISE


def test_items_of_different_groups_never_share_a_sequence() -> None:
    items = [Item(text=TEXT, target_span=span, holder_span=IRAN) for span in [(13, 18), (37, 50), (55, 61), (13, 18)]]
    assert group_items(items, "multi") == [[0, 1, 2], [3]]  # one request: all targets of the statement together
    assert group_items(items, "multi", groups=[0, 1, 0, 1]) == [[0, 2], [1, 3]]
    assert group_items(items, "multi", groups=[7, 7, 7, 7]) == group_items(items, "multi")


def test_a_sequence_two_requests_share_is_run_once_and_read_alike(tiny_model) -> None:  # noqa: F811
    """Two requests with the same statement and targets (a wire story in two articles) give the same
    sequence: it runs once, and each request gets what it gets alone."""
    classifier = StanceClassifier.from_path(tiny_model, backend="torch", bf16=False)
    items = [Item(text=TEXT, target_span=span, holder_span=IRAN) for span in [(13, 18), (37, 50), (55, 61)]]
    alone = classifier.predict(items)
    run = []
    real_map = classifier.backend.map
    classifier.backend.map = lambda batches: (run.extend(len(b["input_ids"]) for b in batches), real_map(batches))[1]
    both = classifier.predict_requests([items, items])
    assert sum(run) == 1  # the three targets share one sequence, and the second request's is the same
    for request in both:
        for got, want in zip(request, alone):
            assert got.stance_probs == want.stance_probs and got.sentiment_probs == want.sentiment_probs


def test_group_keys_must_match_the_items(tiny_model) -> None:  # noqa: F811
    classifier = StanceClassifier.from_path(tiny_model, backend="torch", bf16=False)
    items = CASES["other targets of the same statement"][1]
    with pytest.raises(ValueError, match=r"2 items but 3 group keys: expected one key per item \(e\.g\. the index of "
                                         r"the request it came from\), or groups=None"):
        classifier.predict(items, groups=[0, 0, 1])


def test_an_article_reads_the_same_alone_and_in_a_batch(analyzer) -> None:  # noqa: F811
    # The same sentence in two articles of one batch: the first asks about every actor in it, the
    # second (actors_only) about Russia only, so the two ask different target sets of one statement.
    text = "Iran condemned Russia and Acme Industries on Monday."
    everyone = article_request(text, "all", [], False)
    only_russia = article_request(text, "russia", [e for e in GAZETTEER if e.id in ("iran", "russia")], True)
    alone = [analyzer.analyze(everyone), analyzer.analyze(only_russia)]
    assert [{s.target for s in a.stances} for a in alone] == [{"russia", "org:acme-industries"}, {"russia"}]
    both = analyzer.analyze_many([everyone, only_russia])
    assert same_stances(both[0].stances, alone[0].stances)
    assert same_stances(both[1].stances, alone[1].stances)


def test_the_service_answers_a_request_alike_alone_and_amid_other_clients(server) -> None:  # noqa: F811
    """A real `bentoml serve`: /classify's adaptive batching merges concurrent requests into one predict call;
    request A's probabilities are the same alone and sent while other clients ask about the other targets
    of A's statement and holder (which, merged into A's sequences, would move A's answer)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    a = {"items": [{"text": TEXT, "target_span": [13, 18], "holder_span": list(IRAN)}]}
    b = {"items": [{"text": TEXT, "target_span": [37, 50], "holder_span": list(IRAN)},
                   {"text": TEXT, "target_span": [55, 61], "holder_span": list(IRAN)}]}

    def post(body: dict) -> list[dict]:
        response = httpx.post(f"{server}/classify", json=body, timeout=60)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    alone = post(a)
    with ThreadPoolExecutor(16) as pool:
        for _ in range(3):
            futures = [pool.submit(post, a if i % 4 == 0 else b) for i in range(32)]
            answers = [f.result() for i, f in enumerate(futures) if i % 4 == 0]
            for answer in answers:
                for task in ("stance_probs", "sentiment_probs"):
                    got, want = answer[0][task], alone[0][task]
                    assert max(abs(got[k] - want[k]) for k in want) <= NOISE, (got, want)
