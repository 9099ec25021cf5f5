"""The embedding backends, and the language bridge that puts every language in MiniLM's space."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.embeddings import BridgedEmbedder, LanguageBridge, fit_language_bridge, load_embedder


def test_the_bridge_recovers_a_known_map_and_language_offsets() -> None:
    rng = np.random.default_rng(3)
    truth = rng.normal(size=(8, 6))
    english = rng.normal(size=(400, 8))
    sentences = rng.normal(size=(20, 8))
    shift = {"es": rng.normal(size=8), "zh": rng.normal(size=8)}
    parallel = {"en": sentences, **{language: sentences + offset for language, offset in shift.items()}}
    bridge = fit_language_bridge(english, english @ truth, parallel, ridge_lambda=1e-6)
    np.testing.assert_allclose(bridge.matrix, truth, atol=1e-4)
    assert bridge.spread == pytest.approx(1.0, abs=1e-4)  # an exact fit loses no spread
    for language, offset in shift.items():
        np.testing.assert_allclose(bridge.offsets[language], offset, atol=1e-5)
    assert bridge.routed_languages == ("en", "es", "zh")
    assert fit_language_bridge(english, english @ truth, parallel, routed_languages=["pt"]).routed_languages == ("en", "es", "pt", "zh")
    # A Spanish vector lands exactly where its English original maps (after normalising).
    mapped = bridge.apply(parallel["es"][:3].astype(np.float32), ["es"] * 3)
    expected = sentences[:3] @ truth
    np.testing.assert_allclose(mapped, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-4)
    # A language without an offset is mapped as it is.
    unshifted = bridge.apply(sentences[:1].astype(np.float32), ["pt"])
    np.testing.assert_allclose(unshifted[0], expected[0] / np.linalg.norm(expected[0]), atol=1e-4)
    assert LanguageBridge.from_bytes(bridge.to_bytes()).fingerprint() == bridge.fingerprint()


def test_a_shrunk_ridge_fit_gets_its_spread_back() -> None:
    rng = np.random.default_rng(5)
    english = rng.normal(size=(300, 8))
    target = english @ rng.normal(size=(8, 8)) + rng.normal(scale=2.0, size=(300, 8))
    bridge = fit_language_bridge(english, target, {"en": english[:10]}, ridge_lambda=50.0)
    restored = bridge.target_mean + bridge.spread * (english @ bridge.matrix - bridge.target_mean)
    spread = np.sum((target - target.mean(0)) ** 2, axis=1).mean()
    assert bridge.spread > 1.2  # noise and the penalty shrink predictions towards the mean
    assert np.sum((restored - bridge.target_mean) ** 2, axis=1).mean() == pytest.approx(spread, rel=1e-3)


def test_bad_bridge_inputs_are_refused() -> None:
    vectors = np.ones((4, 3))
    with pytest.raises(ValueError, match="same texts"):
        fit_language_bridge(vectors, vectors[:2], {"en": vectors})
    with pytest.raises(ValueError, match="English"):
        fit_language_bridge(vectors, vectors, {"es": vectors})
    with pytest.raises(ValueError, match="differ in number"):
        fit_language_bridge(vectors, vectors, {"en": vectors, "es": vectors[:2]})


@pytest.fixture(scope="module")
def bridged() -> BridgedEmbedder:
    embedder = load_embedder("bridged")
    assert isinstance(embedder, BridgedEmbedder)
    return embedder


def test_english_keeps_minilm_vectors_and_other_languages_go_through_the_bridge(bridged) -> None:
    texts = [
        "My gift card code was not accepted at checkout.",
        "El código de mi tarjeta regalo no fue aceptado al pagar.",
        "我的礼品卡代码在结账时不被接受。",
        "ok",  # too short to tell: MiniLM
    ]
    assert bridged.routes(texts) == ["en", "es", "zh", "en"]
    vectors = bridged.encode(texts)
    minilm = load_embedder("minilm").encode([texts[0], texts[3]])
    np.testing.assert_allclose(vectors[[0, 3]], minilm, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert bridged.model_id.startswith("bridged:") and "bridge-" in bridged.model_id


def test_a_translated_complaint_is_nearest_its_english_original(bridged) -> None:
    english = [
        "My gift card code was not accepted at checkout.",
        "I cannot log in because the password reset link has expired.",
        "My parcel is two weeks late and nobody tells me where it is.",
        "I was charged twice for the same order.",
    ]
    translations = {
        "es": ["El código de mi tarjeta regalo no fue aceptado al pagar.",
               "No puedo iniciar sesión porque el enlace para restablecer la contraseña ha caducado.",
               "Mi paquete lleva dos semanas de retraso y nadie me dice dónde está.",
               "Me cobraron dos veces por el mismo pedido."],
        "ru": ["Код моей подарочной карты не приняли при оплате.",
               "Я не могу войти, потому что ссылка для сброса пароля истекла.",
               "Моя посылка опаздывает на две недели, и никто не говорит, где она.",
               "С меня дважды списали деньги за один и тот же заказ."],
        "zh": ["结账时我的礼品卡代码不被接受。",
               "我无法登录，因为重置密码的链接已过期。",
               "我的包裹晚了两个星期，没有人告诉我它在哪里。",
               "同一个订单被扣了两次款。"],
    }
    english_vectors = bridged.encode(english)
    for language, texts in translations.items():
        similarity = bridged.encode(texts) @ english_vectors.T
        assert (similarity.argmax(axis=1) == np.arange(len(english))).all(), (language, similarity.round(2))
    # Without the bridge (MiniLM alone) Chinese lands nowhere near its English original.
    minilm = load_embedder("minilm")
    raw = minilm.encode(translations["zh"]) @ minilm.encode(english).T
    assert (raw.argmax(axis=1) == np.arange(len(english))).mean() < 1.0


def test_bridged_vectors_do_not_depend_on_the_blas_thread_count(bridged) -> None:
    """Dask workers start with one BLAS thread, the local run with several: the same text must
    get the same bits either way, or a theme fit can differ between them."""
    from threadpoolctl import threadpool_limits

    texts = [f"Mi pedido número {i} no ha llegado todavía y nadie me responde" for i in range(40)]
    with threadpool_limits(limits=2):
        several = bridged.encode(texts)
    with threadpool_limits(limits=1):
        one = bridged.encode(texts)
    assert np.array_equal(several, one)
