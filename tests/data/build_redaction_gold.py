"""Build tests/data/redaction_gold.jsonl from the hand-annotated sentences below.

Each sentence is written the way customers write (tickets, tweets, survey comments, call
lines) with inline marks, so offsets never have to be counted by hand:

    ⟦KIND:text⟧   personal data that must be redacted  (EMAIL PHONE CARD IBAN IP PERSON)
    ⟪KIND:text⟫   look-alikes that must survive         (ORDER AMOUNT DATE TIME PROMO
                                                          TRACKING VERSION NUMBER NAME_LIKE)

NUMBER covers other ids (customer/case numbers, Luhn-invalid 16-digit strings); NAME_LIKE
covers capitalised brands, products and places that a name detector may mistake for people.
Every positive is checked here independently of nlp.redact (Luhn for cards, ISO 7064 mod 97
for IBANs, the ipaddress module for IPs), so the gold set cannot inherit the redactor's bugs.

Batches: "dev" sentences were written first and used while tuning the redactor; "holdout"
sentences were written after its rules were frozen, to check they generalise; its misses led
to a second round of changes, after which "holdout2" was written; its misses led to the
given-name list, after which "holdout3" was written and measured untouched.

Run:  python tests/data/build_redaction_gold.py [output.jsonl]
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

POSITIVE_KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "PERSON")
NEGATIVE_KINDS = ("ORDER", "AMOUNT", "DATE", "TIME", "PROMO", "TRACKING", "VERSION", "NUMBER", "NAME_LIKE")
_MARK = re.compile(r"⟦(?P<pos_kind>[A-Z_]+):(?P<pos>[^⟧]+)⟧|⟪(?P<neg_kind>[A-Z_]+):(?P<neg>[^⟫]+)⟫")

# (language, source, marked text). Sources: ticket, survey, social, call.
DEV: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ English
    ("en", "ticket", "Hi, I still haven't received order ⟪ORDER:LK-4839201⟫. You can reach me at ⟦PHONE:(415) 555-0132⟧ or ⟦EMAIL:maria.gonzalez84@gmail.com⟧."),
    ("en", "ticket", "My card ⟦CARD:4111 1111 1111 1111⟧ was charged ⟪AMOUNT:$34.99⟫ twice on ⟪DATE:Oct 5⟫, please refund one of them."),
    ("en", "ticket", "Please call me back on ⟦PHONE:+44 20 7946 0958⟧ after ⟪TIME:5pm⟫, I'm at work until then."),
    ("en", "ticket", "My mobile is ⟦PHONE:07700 900123⟧ – text me when the driver is close."),
    ("en", "ticket", "Refund should go to my account ⟦IBAN:GB82 WEST 1234 5698 7654 32⟧, not the card."),
    ("en", "ticket", "Order ⟪ORDER:#4839201⟫ arrived damaged. Box was crushed and the mug inside is in pieces."),
    ("en", "survey", "Used code ⟪PROMO:FALL25⟫ at checkout and it took off nothing. Total was still ⟪AMOUNT:$86.40⟫."),
    ("en", "survey", "App keeps crashing since the update to ⟪VERSION:5.2.0⟫, can't even open my basket."),
    ("en", "ticket", "I was told by ⟦PERSON:Sarah⟧ on the phone that the refund would take ⟪NUMBER:3⟫ days. It's been two weeks."),
    ("en", "ticket", "Thanks for nothing.\nRegards,\n⟦PERSON:James Whitfield⟧"),
    ("en", "ticket", "Hello, my name is ⟦PERSON:Priya Natarajan⟧ and I ordered a blender on ⟪DATE:2026-09-14⟫ (order ⟪ORDER:LK-5520193⟫)."),
    ("en", "social", "@LumaKitchen been waiting ⟪NUMBER:45⟫ mins on hold. Just call me: ⟦PHONE:+1 (646) 555-0176⟧ 😤"),
    ("en", "ticket", "I think someone else used my account, login from ⟦IP:185.220.101.34⟧ which is not me. I'm in Leeds."),
    ("en", "ticket", "Your security page says my last login was from ⟦IP:2001:db8:85a3::8a2e:370:7334⟧ – I don't even know what that is."),
    ("en", "survey", "Delivery was quick, the courier ⟦PERSON:Dave⟧ was very polite. ⟪NUMBER:10⟫/10"),
    ("en", "ticket", "Tracking number ⟪TRACKING:1Z999AA10123456784⟫ shows delivered but nothing at my door."),
    ("en", "ticket", "Card ending ⟪NUMBER:4242⟫ was declined but the bank says there's no problem. Amount was ⟪AMOUNT:€20⟫."),
    ("en", "ticket", "Could you update my email to ⟦EMAIL:j.whitfield@btinternet.com⟧? The old one ⟦EMAIL:jwhit1977@hotmail.co.uk⟧ no longer works."),
    ("en", "ticket", "I paid with ⟦CARD:5500-0000-0000-0004⟧ and got charged in dollars instead of pounds (⟪AMOUNT:£52.10⟫ became ⟪AMOUNT:$71⟫)."),
    ("en", "social", "shoutout to ⟦PERSON:Marcus⟧ in support who sorted my refund in ⟪NUMBER:5⟫ minutes 🙌"),
    ("en", "survey", "The new checkout is confusing. I tried ⟪PROMO:WELCOME10⟫ and ⟪PROMO:SPRING-15⟫, neither worked."),
    ("en", "ticket", "Wrong size sent again (ordered M, got XL). This is the second time, order ⟪ORDER:LK-4471180⟫."),
    ("en", "ticket", "Please don't ring ⟦PHONE:415-555-0198⟧ any more, it's my work line. Use ⟦PHONE:617 555 0123⟧ instead."),
    ("en", "call", "Customer: yeah it's ⟦PHONE:0161 496 0753⟧, that's the landline"),
    ("en", "call", "Customer: the card number is ⟦CARD:4526 0181 5908 3012⟧ expiry ⟪DATE:08/28⟫"),
    ("en", "ticket", "Hi ⟦PERSON:Jen⟧, thanks for the quick reply yesterday but the code ⟪PROMO:FREESHIP⟫ still fails."),
    ("en", "ticket", "Kind regards,\n⟦PERSON:Olivia Bennett⟧\n⟦PHONE:+44 7911 123456⟧"),
    ("en", "survey", "Waited on hold for ⟪NUMBER:40⟫ minutes on ⟪DATE:Monday⟫ and got cut off at ⟪TIME:10:42⟫."),
    ("en", "ticket", "Invoice ⟪ORDER:INV-2026-00931⟫ shows ⟪AMOUNT:$129.00⟫ but I was quoted ⟪AMOUNT:$99⟫."),
    ("en", "ticket", "This is ⟦PERSON:Tom Reed⟧ again about my missing parcel ⟪TRACKING:9400 1000 0000 0000 0000 00⟫."),
    ("en", "social", "lol ⟪NAME_LIKE:Alexa⟫ ordered ⟪NUMBER:3⟫ bags of flour by itself again. thanks ⟪NAME_LIKE:Amazon⟫"),
    ("en", "ticket", "Transfer the money back to ⟦IBAN:DE89 3704 0044 0532 0130 00⟧ please, I closed the card."),
    ("en", "ticket", "Please remove ⟦EMAIL:KEVIN.MURPHY@YAHOO.COM⟧ from your mailing list."),
    ("en", "ticket", "The number I gave was wrong, it should be ⟦PHONE:+1-202-555-0143⟧."),
    ("en", "survey", "Great value, price ⟪AMOUNT:$19.99⟫ for the pair. Will buy again."),
    ("en", "ticket", "Hey there, I'm ⟦PERSON:Aisha Khan⟧, account holder. My husband ⟦PERSON:Omar⟧ placed order ⟪ORDER:#5093312⟫ by mistake."),
    ("en", "ticket", "I spoke to ⟦PERSON:Rebecca⟧ and then ⟦PERSON:Luis⟧, both promised a callback that never came."),
    ("en", "ticket", "Router admin page is at ⟦IP:192.168.1.254⟧ and the app won't find the device. Firmware ⟪VERSION:v3.1.4⟫."),
    ("en", "ticket", "Version ⟪VERSION:2.14.0.1⟫ of the Android app logs me out every time."),
    ("en", "ticket", "Delivery slot was ⟪DATE:05/10/2026⟫ between ⟪TIME:08:00⟫ and ⟪TIME:12:00⟫. Nobody came."),
    ("en", "ticket", "Card number ⟪NUMBER:4288 2001 8263 3044⟫ does not exist according to my bank? That's what your site shows as my card on file."),
    ("en", "survey", "The agent (⟦PERSON:Kevin⟧ I think) was rude and hung up on me."),
    ("en", "ticket", "Sent from my iPhone, sorry for typos. My number is ⟦PHONE:07911 123 456⟧."),
    ("en", "ticket", "Please refund to card ⟦CARD:378282246310005⟧ (Amex) – the ⟪AMOUNT:$212.50⟫ for order ⟪ORDER:LK-3391870⟫."),
    ("en", "social", "⟪NAME_LIKE:Luma⟫ support is a joke. Ticket ⟪NUMBER:#88213⟫ open since ⟪DATE:Sept 2⟫."),
    ("en", "ticket", "Cheers,\n⟦PERSON:Ben⟧"),
    ("en", "ticket", "Thanks,\n⟦PERSON:Hannah Cooper⟧\nSent from Outlook"),
    ("en", "ticket", "Mr ⟦PERSON:Patel⟧ from your Manchester store said I could return it without a receipt."),
    ("en", "ticket", "My wife ⟦PERSON:Grace⟧ can be reached at ⟦EMAIL:grace.evans+luma@outlook.com⟧ while I'm travelling."),
    ("en", "survey", "I rate it ⟪NUMBER:2⟫ out of 5. The blender motor died after ⟪NUMBER:6⟫ weeks."),
    ("en", "ticket", "Pay the difference to ⟦IBAN:GB74GOEN16751361341252⟧ or give me store credit, I don't mind."),
    ("en", "ticket", "Gift card ⟪NUMBER:6006 4912 3456 7890⟫ shows a zero balance but I loaded ⟪AMOUNT:$50⟫ on it."),
    ("en", "ticket", "The code ⟪PROMO:BF2026⟫ says expired but your email said valid until ⟪DATE:November 30⟫."),
    ("en", "call", "Customer: my email is ⟦EMAIL:ethan.walker@icloud.com⟧ with a K"),
    ("en", "call", "Customer: it was ⟪AMOUNT:forty nine ninety nine⟫ and I was charged twice on the ⟪DATE:3rd⟫"),
    ("en", "ticket", "Login attempts from ⟦IP:203.0.113.45⟧ and ⟦IP:198.51.100.7⟧ last night, neither is me!"),
    ("en", "social", "why does the app need my location?? version ⟪VERSION:5.2.1⟫ asks every time I open it"),
    ("en", "ticket", "Could ⟦PERSON:Mason⟧ from the returns desk call me? He knows the case. ⟦PHONE:(312) 867 5309⟧"),
    ("en", "ticket", "Best,\n⟦PERSON:Claire O'Brien⟧\nHead of Facilities, ⟪NAME_LIKE:Brightside Dental⟫"),
    ("en", "survey", "Ordered on ⟪DATE:14 Sep⟫, arrived ⟪DATE:28 Sep⟫. Two weeks for a phone case is silly."),
    ("en", "ticket", "My card got charged ⟪AMOUNT:USD 1,249.00⟫ for a laptop I returned on ⟪DATE:9/12⟫."),
    ("en", "ticket", "New card is ⟦CARD:5555 5555 5555 4444⟧, please use it for the subscription from now on."),
    ("en", "ticket", "Your courier left the parcel with a neighbour at number ⟪NUMBER:12⟫. Reference ⟪TRACKING:JD014600006281920⟫."),
    ("en", "ticket", "Please contact my assistant ⟦PERSON:Nora Hughes⟧ (⟦EMAIL:nora.hughes@brightsidedental.co.uk⟧) for anything billing related."),
    ("en", "survey", "Loved it! ⟦PERSON:Chloe⟧ at the ⟪NAME_LIKE:Bristol⟫ store was super helpful 💕"),
    ("en", "ticket", "I got an SMS from ⟦PHONE:+447700900461⟧ asking for my password, is that you?"),
    ("en", "ticket", "Please stop emailing ⟦EMAIL:noah_carter92@aol.com⟧ about ⟪PROMO:SUMMER50⟫, I unsubscribed."),
    ("en", "ticket", "Re: case ⟪NUMBER:00431277⟫ – still waiting on the refund of ⟪AMOUNT:$64.20⟫."),
    ("en", "ticket", "Thank you,\n⟦PERSON:Daniel Foster⟧"),
    ("en", "social", "@LumaHelp DM'd you my details, it's ⟦PERSON:Liam Young⟧, order ⟪ORDER:LK-6082214⟫"),
    ("en", "ticket", "Charged twice: ⟪AMOUNT:$18.75⟫ and ⟪AMOUNT:$18.75⟫ on ⟪DATE:Oct 3, 2026⟫ at ⟪TIME:14:05⟫."),
    ("en", "ticket", "The delivery guy, ⟦PERSON:Tyler⟧, threw the box over the fence."),
    ("en", "ticket", "Please can someone call ⟦PHONE:1-800-555-0199 extension 42⟧, that's our office reception."),
    ("en", "ticket", "Our office network is ⟦IP:81.2.69.160⟧ – please whitelist it for the API, we get 403s."),
    ("en", "survey", "Prices went up ⟪NUMBER:20%⟫ since ⟪DATE:August⟫. Not happy."),
    ("en", "ticket", "IBAN for the refund: ⟦IBAN:IE65VHPI07188181741433⟧ (⟪NAME_LIKE:AIB⟫)."),
    ("en", "ticket", "The warranty card says call ⟦PHONE:+1 650 253 0000⟧ but nobody answers."),
    ("en", "ticket", "Regards, ⟦PERSON:Megan Taylor⟧"),
    ("en", "ticket", "I'm writing on behalf of my mother, ⟦PERSON:Margaret Hall⟧, who is 82 and can't use the app."),
    ("en", "survey", "Promo ⟪PROMO:LUMA20⟫ applied fine. Shipping took ⟪NUMBER:3⟫ days. Happy."),
    ("en", "ticket", "Hi team, order ⟪ORDER:100234567⟫ was cancelled without any reason given."),
    ("en", "ticket", "My phone number changed to ⟦PHONE:212.555.0147⟧, please update the account."),
    ("en", "ticket", "I spoke with ⟦PERSON:Alicia⟧ on ⟪DATE:Tuesday⟫ and she said ⟪AMOUNT:£15⟫ credit would be added."),
    ("en", "call", "Customer: sure, it's ⟦PERSON:Jordan Baker⟧, B-A-K-E-R"),
    ("en", "ticket", "The app ⟪VERSION:v5.2.0 (build 5204)⟫ shows a blank screen on my ⟪NAME_LIKE:Pixel 7⟫."),
    ("en", "ticket", "Use ⟦CARD:4012 8888 8888 1881⟧ for the replacement order, the old card expired."),
    ("en", "ticket", "Hi, please send the invoice to ⟦EMAIL:accounts@brightsidedental.co.uk⟧ and cc ⟦EMAIL:c.obrien@brightsidedental.co.uk⟧."),
    ("en", "social", "@LumaKitchen ⟦PERSON:Sophia⟧ in chat was amazing, fixed it in ⟪NUMBER:2⟫ min ❤️"),
    ("en", "ticket", "Date of birth ⟪DATE:12/04/1988⟫ is right on my profile but the app says I'm under 18??"),
    ("en", "ticket", "Order placed ⟪DATE:2026-10-01⟫ ⟪TIME:09:14:22⟫, confirmation ⟪ORDER:LK-7719402⟫, never shipped."),

    ("en", "ticket", "Hi, this is ⟦PERSON:Rachel Green⟧. I returned the jacket on ⟪DATE:Sep 21⟫ and still no refund of ⟪AMOUNT:$89.95⟫."),
    ("en", "ticket", "⟦PERSON:Emma⟧ in billing promised to waive the ⟪AMOUNT:$5⟫ fee. Please honour that."),
    ("en", "survey", "⟦PERSON:Noah⟧ at the Leeds branch went above and beyond, give that man a raise"),
    ("en", "ticket", "Please ask Mr. ⟦PERSON:Daniels⟧ to stop calling my house. We are not interested."),
    ("en", "ticket", "My daughter ⟦PERSON:Lily⟧ used my card without asking. Order ⟪ORDER:LK-8810342⟫ needs cancelling."),
    ("en", "ticket", "Spoke to a lady called ⟦PERSON:Harper⟧ who put me on hold for ⟪NUMBER:25⟫ minutes then hung up."),
    ("en", "ticket", "Thanks again,\n⟦PERSON:Jessica Clark⟧\n⟦PHONE:(206) 555-0144⟧"),
    ("en", "ticket", "Hello ⟦PERSON:Sam⟧, as discussed, sending the photos of the damaged kettle."),
    ("en", "ticket", "Your technician ⟦PERSON:Gary Wilson⟧ never turned up on ⟪DATE:Thursday⟫ between ⟪TIME:1pm⟫ and ⟪TIME:5pm⟫."),
    ("en", "social", "big thanks to ⟦PERSON:Zoe⟧ from @LumaHelp for sorting my order ⟪ORDER:#6601234⟫ 🙏"),
    ("en", "ticket", "My name's ⟦PERSON:Ryan Adams⟧, account email ⟦EMAIL:ryan.adams@gmail.com⟧."),
    ("en", "ticket", "The parcel was signed for by \"⟦PERSON:J Smith⟧\" but nobody here is called that."),
    ("en", "ticket", "I'd like to speak to a manager, not ⟦PERSON:Kyle⟧ again. He was useless."),
    ("en", "survey", "⟦PERSON:Amelia Wright⟧ solved everything in one call. Fantastic service."),
    ("en", "ticket", "As Dr. ⟦PERSON:Nelson⟧ is the account holder, please send the forms to him directly."),
    ("en", "ticket", "Kind regards\n⟦PERSON:Lauren⟧"),
    ("en", "ticket", "Sincerely,\n⟦PERSON:Marcus Hall⟧"),
    ("en", "ticket", "Many thanks, ⟦PERSON:Ethan⟧"),
    ("en", "call", "Customer: hi yes my name is ⟦PERSON:Chris Evans⟧, I'm calling about a refund"),
    ("en", "call", "Customer: ⟦PERSON:Sarah⟧ told me last week it was sorted but it isn't"),
    ("en", "ticket", "I bought it at the ⟪NAME_LIKE:Oxford Street⟫ store, the cashier ⟦PERSON:Mia⟧ can confirm."),
    ("en", "ticket", "My card ⟦CARD:6011 4595 7117 7775⟧ (Discover) isn't accepted at checkout."),
    ("en", "ticket", "Charged on ⟦CARD:3528-0841-4852-5380⟧ even though I cancelled within ⟪NUMBER:24⟫ hours."),
    ("en", "ticket", "card no. ⟦CARD:4487574911862520⟧ exp ⟪DATE:11/27⟫ – please remove it from my profile"),
    ("en", "ticket", "The virtual card ⟦CARD:5176 0189 5559 7975⟧ was charged after I cancelled on ⟪DATE:1 Oct⟫."),
    ("en", "ticket", "Please use my other card, ⟦CARD:2720 9078 6666 1763⟧."),
    ("en", "ticket", "Refund the ⟪AMOUNT:£120⟫ to ⟦IBAN:GB40 PAJO 1874 6331 9128 45⟧, account name ⟦PERSON:Grace Evans⟧."),
    ("en", "ticket", "Our company account: ⟦IBAN:NL91ABNA0417164300⟧. Please pay invoice ⟪ORDER:INV-2026-01147⟫ there."),
    ("en", "ticket", "Bank details for the refund: ⟦IBAN:BE68 5390 0754 7034⟧, thanks."),
    ("en", "ticket", "Logged in from ⟦IP:172.16.254.1⟧ at work and got a suspicious login warning, it's just our VPN."),
    ("en", "ticket", "Our server ⟦IP:2001:db8::1⟧ can't reach your webhook endpoint since ⟪DATE:Oct 2⟫."),
    ("en", "ticket", "Getting error 503 from ⟦IP:10.0.0.12⟧:8080 when the app syncs."),
    ("en", "ticket", "Please email the receipt to ⟦EMAIL:tyler.king@yahoo.com⟧ rather than posting it."),
    ("en", "ticket", "Contact: ⟦EMAIL:support-team@cityplumbing.co.uk⟧ / ⟦PHONE:020 7946 0321⟧"),
    ("en", "survey", "I can't believe the price went from ⟪AMOUNT:$29⟫ to ⟪AMOUNT:$39⟫ overnight."),
    ("en", "survey", "Bought ⟪NUMBER:2⟫ for ⟪AMOUNT:$45⟫ in the ⟪NAME_LIKE:Black Friday⟫ sale, great deal."),
    ("en", "ticket", "Code ⟪PROMO:NEWYEAR2026⟫ only gave ⟪NUMBER:5%⟫ off instead of ⟪NUMBER:15%⟫."),
    ("en", "ticket", "Order ⟪ORDER:LK-2290017⟫ and order ⟪ORDER:LK-2290018⟫ were meant to ship together."),
    ("en", "ticket", "The ⟪AMOUNT:€12.50⟫ delivery charge on order ⟪ORDER:#7712001⟫ is wrong, delivery was free over ⟪AMOUNT:€50⟫."),
    ("en", "ticket", "It's been ⟪NUMBER:10⟫ days since ⟪DATE:28/09/2026⟫ and no update on ⟪ORDER:LK-9001233⟫."),
    ("en", "social", "@LumaKitchen promo ⟪PROMO:FALL25⟫ doesn't work on the app 🙄 ⟪VERSION:v5.2.0⟫"),

    # ------------------------------------------------------------------ Spanish
    ("es", "ticket", "Hola, mi pedido ⟪ORDER:LK-4839201⟫ no ha llegado. Mi teléfono es ⟦PHONE:612 34 56 78⟧."),
    ("es", "ticket", "Me cobraron ⟪AMOUNT:34,99 €⟫ dos veces en la tarjeta ⟦CARD:4661 3186 0913 9090⟧."),
    ("es", "ticket", "Por favor devuelvan el dinero a ⟦IBAN:ES91 2100 0418 4502 0005 1332⟧."),
    ("es", "social", "Llevo ⟪NUMBER:3⟫ días esperando. Escribidme a ⟦EMAIL:lucia.fernandez@hotmail.es⟧ 😡"),
    ("es", "ticket", "Me llamo ⟦PERSON:Javier Moreno⟧ y quiero cancelar mi suscripción."),
    ("es", "survey", "El código ⟪PROMO:VERANO20⟫ no funciona y el envío costó ⟪AMOUNT:4,95 €⟫."),
    ("es", "ticket", "Llamadme al ⟦PHONE:+34 612 345 678⟧ por la tarde, gracias."),
    ("es", "ticket", "Saludos,\n⟦PERSON:Carmen Ruiz⟧"),
    ("es", "ticket", "El pedido del ⟪DATE:14/09/2026⟫ llegó roto. Número de seguimiento ⟪TRACKING:PQ4F6K0709812350128001B⟫."),
    ("es", "ticket", "Desde la actualización ⟪VERSION:5.2.0⟫ la app se cierra sola."),
    ("es", "ticket", "Mi número fijo es ⟦PHONE:91 123 45 67⟧ y el móvil ⟦PHONE:0034 634567890⟧."),
    ("es", "ticket", "Atentamente,\n⟦PERSON:Alejandro Gómez⟧"),
    ("es", "ticket", "Alguien entró en mi cuenta desde la IP ⟦IP:88.26.114.9⟧, yo no fui."),
    ("es", "survey", "Pagué ⟪AMOUNT:$1.250 MXN⟫ y el producto no vale eso."),
    ("es", "ticket", "El repartidor ⟪NAME_LIKE:Seur⟫ dejó el paquete en la calle. Pedido ⟪ORDER:#5520193⟫."),
    ("es", "ticket", "Mi número en México es ⟦PHONE:+52 55 1234 5678⟧."),
    ("es", "ticket", "Reembolso a la cuenta ⟦IBAN:ES0456515055613044516691⟧ por favor."),
    ("es", "social", "La tarjeta ⟦CARD:5211-4710-4974-6503⟧ me la rechazan siempre en vuestra web"),
    ("es", "ticket", "Un saludo,\n⟦PERSON:Lucía⟧"),
    ("es", "ticket", "Mi correo nuevo es ⟦EMAIL:sergio.navarro@telefonica.net⟧, el anterior ya no lo uso."),
    ("es", "ticket", "El día ⟪DATE:5 de octubre⟫ a las ⟪TIME:10:30⟫ vino el mensajero y no dejó aviso."),

    # ------------------------------------------------------------------ Romanian
    ("ro", "ticket", "Bună ziua, comanda ⟪ORDER:LK-5093312⟫ nu a ajuns. Numărul meu este ⟦PHONE:0721 234 567⟧."),
    ("ro", "ticket", "Vă rog returnați banii în contul ⟦IBAN:RO49AAAA1B31007593840000⟧."),
    ("ro", "ticket", "Am plătit ⟪AMOUNT:450 lei⟫ cu cardul ⟦CARD:4960 3082 4628 1940⟧ și comanda a fost anulată."),
    ("ro", "social", "Aplicația ⟪VERSION:5.2.0⟫ se blochează la plată. Ajutor!"),
    ("ro", "ticket", "Mă numesc ⟦PERSON:Andreea Popescu⟧ și aș dori factura pe firmă."),
    ("ro", "ticket", "Mă puteți suna la ⟦PHONE:+40 721 234 567⟧ după ora ⟪TIME:18:00⟫."),
    ("ro", "survey", "Codul ⟪PROMO:TOAMNA30⟫ nu a mers, am plătit prețul întreg de ⟪AMOUNT:199,99 lei⟫."),
    ("ro", "ticket", "Cu stimă,\n⟦PERSON:Mihai Ionescu⟧"),
    ("ro", "ticket", "Adresa mea de email este ⟦EMAIL:ioana.stan@yahoo.ro⟧, vă rog trimiteți factura acolo."),
    ("ro", "ticket", "Livrarea din ⟪DATE:12.10.2026⟫ nu a mai venit, AWB ⟪TRACKING:1234567890123⟫."),
    ("ro", "ticket", "Contul meu ⟦IBAN:RO92 IEOH 1672 3268 6563 5515⟧ este corect, verificați din nou."),
    ("ro", "ticket", "Telefon fix: ⟦PHONE:021 313 1234⟧, mobil: ⟦PHONE:0745.123.456⟧."),
    ("ro", "ticket", "Mulțumesc,\n⟦PERSON:Bogdan⟧"),
    ("ro", "social", "Cineva s-a logat de pe ⟦IP:79.112.44.201⟧ în contul meu!!"),
    ("ro", "ticket", "Sunați-mă pe ⟦PHONE:0040 745 123 456⟧, vă rog."),
    ("ro", "ticket", "Cardul ⟦CARD:5375-2917-0342-3666⟧ a fost debitat de două ori pentru ⟪ORDER:#4471180⟫."),

    # ------------------------------------------------------------------ Russian
    ("ru", "ticket", "Здравствуйте, заказ ⟪ORDER:LK-6082214⟫ так и не пришёл. Мой телефон ⟦PHONE:+7 495 123-45-67⟧."),
    ("ru", "ticket", "Перезвоните мне по номеру ⟦PHONE:8 (916) 123-45-67⟧, пожалуйста."),
    ("ru", "ticket", "С карты ⟦CARD:5471 2768 4268 4651⟧ списали ⟪AMOUNT:2 990 ₽⟫ дважды."),
    ("ru", "social", "Приложение ⟪VERSION:5.2.0⟫ вылетает при оплате, исправьте уже"),
    ("ru", "ticket", "Меня зовут ⟦PERSON:Анна Иванова⟧, я хочу вернуть товар."),
    ("ru", "ticket", "Моя почта ⟦EMAIL:dmitry.volkov@yandex.ru⟧, пишите туда."),
    ("ru", "ticket", "С уважением,\n⟦PERSON:Сергей Смирнов⟧"),
    ("ru", "survey", "Промокод ⟪PROMO:OSEN25⟫ не сработал, заплатил ⟪AMOUNT:3 450 руб.⟫"),
    ("ru", "ticket", "Заказ от ⟪DATE:05.10.2026⟫, трек-номер ⟪TRACKING:RR123456785CN⟫, статус не меняется."),
    ("ru", "ticket", "Мой мобильный ⟦PHONE:89161234567⟧, рабочий ⟦PHONE:+7 (812) 555 12 34⟧."),
    ("ru", "ticket", "Вход в аккаунт с адреса ⟦IP:95.165.12.77⟧ — это не я!"),
    ("ru", "ticket", "Спасибо,\n⟦PERSON:Ольга⟧"),
    ("ru", "ticket", "Звоните на ⟦PHONE:8-925-555-12-34⟧ после ⟪TIME:19:00⟫."),
    ("ru", "social", "Курьер опоздал на ⟪NUMBER:3⟫ часа, а заказ ⟪ORDER:#5520193⟫ пришёл мятым"),
    ("ru", "ticket", "Прошу вернуть ⟪AMOUNT:1 299 ₽⟫ на карту ⟦CARD:2221 4026 8599 5281⟧."),

    # ------------------------------------------------------------------ Chinese
    ("zh", "ticket", "你好，我的订单⟪ORDER:LK-7719402⟫还没到。我的电话是⟦PHONE:138 0013 8000⟧。"),
    ("zh", "ticket", "请联系我：⟦PHONE:+86 138 0013 8000⟧，谢谢。"),
    ("zh", "ticket", "我的邮箱是⟦EMAIL:2938475610@qq.com⟧，请把发票发过来。"),
    ("zh", "social", "应用更新到⟪VERSION:5.2.0⟫以后一直闪退，太差了"),
    ("zh", "ticket", "我叫⟦PERSON:王小明⟧，想退货。"),
    ("zh", "ticket", "信用卡⟦CARD:6275 0047 4395 7554⟧被扣了两次⟪AMOUNT:¥299⟫。"),
    ("zh", "survey", "优惠码⟪PROMO:DOUBLE11⟫用不了，客服也不回复。"),
    ("zh", "ticket", "订单⟪ORDER:#4839201⟫在⟪DATE:2026年10月5日⟫下的，到现在都没发货。"),
    ("zh", "ticket", "有人从⟦IP:223.104.63.12⟧登录了我的账号！"),
    ("zh", "ticket", "座机⟦PHONE:010-6552 9988⟧，手机⟦PHONE:13912345678⟧。"),
    ("zh", "ticket", "快递单号⟪TRACKING:SF1234567890123⟫，显示已签收但我没收到。"),
    ("zh", "ticket", "我的邮箱⟦EMAIL:li.jing@163.com⟧，⟪TIME:晚上8点⟫以后方便联系。"),

    # ------------------------------------------------------------------ German
    ("de", "ticket", "Hallo, meine Bestellung ⟪ORDER:LK-3391870⟫ ist nicht angekommen. Telefon: ⟦PHONE:030 12345678⟧."),
    ("de", "ticket", "Bitte überweisen Sie den Betrag auf ⟦IBAN:DE89370400440532013000⟧."),
    ("de", "ticket", "Mit freundlichen Grüßen\n⟦PERSON:Thomas Müller⟧"),
    ("de", "ticket", "Mein Name ist ⟦PERSON:Katrin Weber⟧, ich habe am ⟪DATE:05.10.2026⟫ bestellt."),
    ("de", "ticket", "Sie haben ⟪AMOUNT:49,90 €⟫ zweimal von meiner Karte ⟦CARD:4821 9935 1819 0934⟧ abgebucht."),
    ("de", "social", "Die App stürzt seit Version ⟪VERSION:5.2.0⟫ ständig ab. Unbrauchbar."),
    ("de", "ticket", "Rufen Sie mich bitte unter ⟦PHONE:+49 171 2345678⟧ zurück."),
    ("de", "ticket", "Meine neue E-Mail-Adresse: ⟦EMAIL:k.weber@web.de⟧"),
    ("de", "survey", "Gutschein ⟪PROMO:HERBST15⟫ wurde nicht angenommen. Lieferung dauerte ⟪NUMBER:9⟫ Tage."),
    ("de", "ticket", "Sendungsnummer ⟪TRACKING:00340434161094042557⟫, laut DHL zugestellt, aber nichts da."),
    ("de", "ticket", "Handy: ⟦PHONE:0176/12345678⟧, Festnetz: ⟦PHONE:+49 (0)89 1234567⟧"),
    ("de", "ticket", "Viele Grüße,\n⟦PERSON:Jonas⟧"),
    ("de", "ticket", "Login von ⟦IP:2a02:8108:1a40:3b00::1f⟧ war nicht ich, bitte Konto sperren."),
    ("de", "ticket", "Erstattung bitte auf ⟦IBAN:AT46 9093 1002 5167 8008⟧ (österreichisches Konto)."),

    # ------------------------------------------------------------------ French
    ("fr", "ticket", "Bonjour, ma commande ⟪ORDER:LK-4471180⟫ n'est jamais arrivée. Mon numéro : ⟦PHONE:06 12 34 56 78⟧."),
    ("fr", "ticket", "Merci de rembourser sur ⟦IBAN:FR14 2004 1010 0505 0001 3M02 606⟧."),
    ("fr", "ticket", "Je m'appelle ⟦PERSON:Camille Laurent⟧ et je souhaite annuler mon abonnement."),
    ("fr", "ticket", "Cordialement,\n⟦PERSON:Julien Moreau⟧"),
    ("fr", "ticket", "Vous avez débité ⟪AMOUNT:59,90 €⟫ deux fois sur ma carte ⟦CARD:5563 2122 3307 9242⟧."),
    ("fr", "social", "L'appli plante depuis la mise à jour ⟪VERSION:5.2.0⟫ 😩"),
    ("fr", "ticket", "Appelez-moi au ⟦PHONE:+33 6 12 34 56 78⟧ s'il vous plaît."),
    ("fr", "ticket", "Mon adresse e-mail : ⟦EMAIL:camille.laurent@orange.fr⟧"),
    ("fr", "survey", "Le code ⟪PROMO:AUTOMNE20⟫ ne marche pas. Livraison du ⟪DATE:12/10/2026⟫ jamais reçue."),
    ("fr", "ticket", "Connexion suspecte depuis ⟦IP:90.84.210.5⟧, ce n'est pas moi."),
    ("fr", "ticket", "Bureau : ⟦PHONE:01 42 68 53 00⟧. Portable : ⟦PHONE:07.81.23.45.67⟧."),
    ("fr", "ticket", "Numéro de suivi ⟪TRACKING:6A12345678901⟫, colis bloqué depuis ⟪NUMBER:8⟫ jours."),
    ("fr", "ticket", "Bien à vous,\n⟦PERSON:Élodie⟧"),
    # ------------------------------------------------------------------ no personal data (all languages)
    ("en", "survey", "The blender is great but the lid cracked after ⟪NUMBER:2⟫ weeks. For ⟪AMOUNT:$79⟫ I expected better."),
    ("en", "ticket", "Where is my order ⟪ORDER:LK-4402918⟫? I placed it on ⟪DATE:Oct 5⟫ and the status hasn't changed since."),
    ("en", "social", "the new update ⟪VERSION:5.2.1⟫ finally fixed the login loop, nice one"),
    ("en", "survey", "Checkout kept failing with error ⟪NUMBER:0x80070005⟫ until I switched to ⟪NAME_LIKE:Apple Pay⟫."),
    ("en", "ticket", "Code ⟪PROMO:FALL25⟫ says 'not valid for this basket' even though my basket is over ⟪AMOUNT:$50⟫."),
    ("en", "ticket", "Charged ⟪AMOUNT:$34.99⟫ on ⟪DATE:10/03/2026⟫ and again on ⟪DATE:10/04/2026⟫ for the same subscription."),
    ("en", "survey", "Delivery window ⟪TIME:9am⟫-⟪TIME:1pm⟫ is useless when the van arrives at ⟪TIME:6:45pm⟫."),
    ("en", "ticket", "Ticket ⟪NUMBER:#104577⟫: still no reply after ⟪NUMBER:72⟫ hours. Order ⟪ORDER:LK-1187420⟫."),
    ("en", "social", "⟪NUMBER:3⟫rd time this month the app logs me out. ⟪NAME_LIKE:iPhone 15⟫, ⟪NAME_LIKE:iOS⟫ ⟪VERSION:17.1.2⟫."),
    ("en", "survey", "Prices are fine, ⟪AMOUNT:£4.50⟫ delivery is not. Free over ⟪AMOUNT:£40⟫ would be fair."),
    ("en", "ticket", "Order ⟪ORDER:LK-6650012⟫ was split into ⟪NUMBER:3⟫ parcels and only ⟪NUMBER:2⟫ arrived. Tracking ⟪TRACKING:TBA304918827000⟫."),
    ("en", "ticket", "The promo ⟪PROMO:BOGO50⟫ applied to the cheaper item only. Total ⟪AMOUNT:$112.30⟫ instead of ⟪AMOUNT:$89.90⟫."),
    ("en", "survey", "Returned on ⟪DATE:September 12⟫, refund of ⟪AMOUNT:$59.00⟫ arrived ⟪DATE:September 30⟫. Too slow."),
    ("en", "ticket", "Serial number ⟪NUMBER:SN-88KX-2210-7731⟫ on the kettle, bought ⟪DATE:14/08/2026⟫, stopped heating."),
    ("en", "social", "⟪NAME_LIKE:Black Friday⟫ deal ⟪AMOUNT:$199⟫ → ⟪AMOUNT:$149⟫ with ⟪PROMO:BF25⟫, not bad"),
    ("en", "ticket", "App version ⟪VERSION:3.4.0.12⟫ on ⟪NAME_LIKE:Android⟫ ⟪VERSION:14⟫ crashes when I open the basket."),
    ("en", "survey", "Waited from ⟪TIME:10:00⟫ to ⟪TIME:14:30⟫ on ⟪DATE:2026-10-08⟫ and nobody came."),
    ("en", "ticket", "My gift card ⟪NUMBER:7777 0123 4567 8901⟫ isn't accepted online."),
    ("en", "ticket", "Payment reference ⟪NUMBER:4033 4018 7801 7595⟫ appears twice on my statement."),
    ("en", "ticket", "Order ⟪ORDER:#7745120⟫ and ⟪ORDER:#7745121⟫, both charged ⟪AMOUNT:$24.00⟫ shipping."),
    ("en", "survey", "⟪NUMBER:5⟫ stars for the product, ⟪NUMBER:1⟫ star for the courier."),
    ("en", "ticket", "Invoice ⟪ORDER:INV-88213⟫ dated ⟪DATE:1 October 2026⟫ has the wrong VAT of ⟪AMOUNT:£18.40⟫."),
    ("en", "social", "anyone else getting charged ⟪AMOUNT:$0.99⟫ 'service fee' since ⟪DATE:Sept 1⟫??"),
    ("en", "ticket", "Tracking ⟪TRACKING:1Z 999 AA1 01 2345 6784⟫ hasn't moved since ⟪DATE:Monday⟫."),
    ("en", "survey", "Customer service was slow but polite. Took ⟪NUMBER:2⟫ calls and ⟪NUMBER:1⟫ email."),
    ("es", "ticket", "El pedido ⟪ORDER:LK-3309871⟫ llegó el ⟪DATE:3 de octubre⟫, tres días tarde."),
    ("es", "survey", "El precio subió de ⟪AMOUNT:19,99 €⟫ a ⟪AMOUNT:24,99 €⟫ sin avisar."),
    ("es", "social", "la app ⟪VERSION:5.2.0⟫ no me deja pagar con ⟪NAME_LIKE:Bizum⟫ 😤"),
    ("es", "ticket", "Número de seguimiento ⟪TRACKING:ES1234567890⟫, pone entregado pero no tengo nada."),
    ("ro", "ticket", "Comanda ⟪ORDER:#5093312⟫ din ⟪DATE:3 octombrie⟫ încă nu a fost expediată."),
    ("ro", "survey", "Livrarea a costat ⟪AMOUNT:19,99 lei⟫, prea mult pentru un colet mic."),
    ("ro", "social", "codul ⟪PROMO:BLACKFRIDAY⟫ nu merge în aplicație, versiunea ⟪VERSION:5.2.0⟫"),
    ("ru", "ticket", "Заказ ⟪ORDER:LK-2290017⟫ оформлен ⟪DATE:1 октября⟫, до сих пор не отправлен."),
    ("ru", "survey", "Цена выросла с ⟪AMOUNT:1 990 ₽⟫ до ⟪AMOUNT:2 490 ₽⟫ за месяц."),
    ("ru", "ticket", "Трек-номер ⟪TRACKING:80085571234567⟫ не отслеживается уже ⟪NUMBER:5⟫ дней."),
    ("zh", "survey", "价格从⟪AMOUNT:199元⟫涨到⟪AMOUNT:259元⟫，太贵了。"),
    ("zh", "ticket", "订单号⟪ORDER:2026100512345678⟫，⟪DATE:10月5日⟫付款，到现在还没发货。"),
    ("zh", "social", "⟪NAME_LIKE:双十一⟫活动的优惠码⟪PROMO:SALE1111⟫根本用不了"),
    ("de", "ticket", "Bestellung ⟪ORDER:LK-7719402⟫ vom ⟪DATE:01.10.2026⟫ ist immer noch nicht versandt."),
    ("de", "survey", "Versandkosten von ⟪AMOUNT:4,95 €⟫ sind zu hoch. Ab ⟪AMOUNT:50 €⟫ sollte es gratis sein."),
    ("de", "ticket", "Rechnungsnummer ⟪ORDER:RE-2026-004411⟫, Betrag ⟪AMOUNT:129,00 €⟫ statt ⟪AMOUNT:99,00 €⟫."),
    ("fr", "ticket", "Commande ⟪ORDER:LK-8810342⟫ du ⟪DATE:2 octobre⟫, toujours pas expédiée."),
    ("fr", "survey", "Frais de livraison de ⟪AMOUNT:5,90 €⟫ pour un colis de ⟪NUMBER:200⟫ g, c'est abusé."),
    ("fr", "social", "le code ⟪PROMO:NOEL2026⟫ ne marche pas sur l'appli ⟪VERSION:5.2.0⟫ 🙄"),
]

HOLDOUT: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ English
    ("en", "ticket", "Hello, I never got the confirmation email for order ⟪ORDER:LK-5571093⟫. My address is ⟦EMAIL:sophie.turner91@gmail.com⟧."),
    ("en", "ticket", "Can someone phone me on ⟦PHONE:07423 118 905⟧? I've tried chat three times."),
    ("en", "social", "@LumaHelp I've been charged ⟪AMOUNT:$27.50⟫ for a cancelled order, DM me or call ⟦PHONE:(929) 555-0181⟧"),
    ("en", "ticket", "The refund went to the wrong account. Mine is ⟦IBAN:GB29 NWBK 6016 1331 9268 19⟧."),
    ("en", "ticket", "Please charge ⟦CARD:4000 0566 5566 5556⟧ instead, my old card was cancelled on ⟪DATE:Oct 1⟫."),
    ("en", "survey", "Ordered ⟪DATE:Friday⟫, arrived ⟪DATE:Monday⟫. ⟦PERSON:Jake⟧ the driver was lovely."),
    ("en", "ticket", "I'm ⟦PERSON:Hannah Lewis⟧, I rang yesterday about the missing blender and was promised a callback."),
    ("en", "ticket", "Best regards,\n⟦PERSON:Michael Thompson⟧\nOperations Manager"),
    ("en", "ticket", "Our firewall logs show requests from ⟦IP:104.28.91.17⟧ hammering the login page."),
    ("en", "ticket", "Hi ⟦PERSON:Rachel⟧,\nthanks for getting back to me. The order number is ⟪ORDER:LK-6120045⟫."),
    ("en", "ticket", "Can you update my number to ⟦PHONE:+1 415 555 0109⟧ and my email to ⟦EMAIL:t.ng@protonmail.com⟧?"),
    ("en", "survey", "Used ⟪PROMO:SAVE15⟫, got ⟪AMOUNT:$15⟫ off a ⟪AMOUNT:$120⟫ order. Smooth."),
    ("en", "ticket", "The engineer, ⟦PERSON:Steve Parker⟧, said the part would be ordered on ⟪DATE:12 October⟫. Nothing since."),
    ("en", "social", "honestly ⟦PERSON:Natalie⟧ from customer care deserves a medal, sorted ⟪NUMBER:3⟫ issues in one call"),
    ("en", "ticket", "My partner ⟦PERSON:Ahmed⟧ will pick up the parcel, his number is ⟦PHONE:07700 900 457⟧."),
    ("en", "ticket", "Card ⟦CARD:5105-1051-0510-5100⟧ shows two pending charges of ⟪AMOUNT:$42.18⟫."),
    ("en", "ticket", "Transfer ⟪AMOUNT:£63.00⟫ to ⟦IBAN:GB33BUKB20201555555555⟧ please, reference ⟪ORDER:LK-3317720⟫."),
    ("en", "ticket", "I keep getting 'unusual activity' warnings. My home IP is ⟦IP:86.143.22.190⟧, nothing unusual about it."),
    ("en", "ticket", "Regards\n⟦PERSON:Fiona⟧"),
    ("en", "ticket", "Please pass this on to Ms ⟦PERSON:Robinson⟧ in complaints, she asked me to write in."),
    ("en", "call", "Customer: hiya it's ⟦PERSON:Tracy⟧, I'm calling about my daughter's order"),
    ("en", "call", "Customer: it's ⟦PHONE:0207 946 0011⟧ if you need to call back"),
    ("en", "call", "Customer: the long number on the card is ⟦CARD:4917 6100 0000 0000⟧"),
    ("en", "call", "Customer: my email is ⟦EMAIL:pauline.reid@sky.com⟧, P-A-U-L-I-N-E"),
    ("en", "ticket", "Please confirm when ⟦PERSON:Greg⟧ can come to install the dishwasher. Any weekday after ⟪TIME:3pm⟫."),
    ("en", "ticket", "Version ⟪VERSION:5.3.0⟫ still has the bug from ⟪VERSION:5.2.0⟫ where the basket empties itself."),
    ("en", "social", "worst delivery ever. ⟪NAME_LIKE:DPD⟫ left it in the rain. order ⟪ORDER:LK-7039914⟫ soaked"),
    ("en", "ticket", "Dear Mr ⟦PERSON:Collins⟧, further to our call I attach the receipt for ⟪AMOUNT:£249.99⟫."),
    ("en", "ticket", "You can reach my office on ⟦PHONE:+44 (0)113 496 0542⟧ during working hours."),
    ("en", "ticket", "I changed my email from ⟦EMAIL:bobby.h@yahoo.co.uk⟧ to ⟦EMAIL:robert.hughes@gmail.com⟧ but the receipts still go to the old one."),
    ("en", "survey", "⟦PERSON:Leah⟧ was patient with my dad who isn't great with technology. Thank you."),
    ("en", "ticket", "This is the third time I've written. ⟦PERSON:Kate Morrison⟧, ⟪ORDER:#6104482⟫."),
    ("en", "ticket", "The app ⟪VERSION:v5.2.0⟫ asks me to verify via SMS but texts go to ⟦PHONE:+1 (917) 555-0163⟧ which isn't mine anymore."),
    ("en", "ticket", "Refund to ⟦CARD:3714 496353 98431⟧ please, it's the Amex on file."),
    ("en", "ticket", "Thank you so much,\n⟦PERSON:Eleanor Price⟧"),
    ("en", "ticket", "Our VPN exit is ⟦IP:2606:4700:3033::6815:1e2a⟧ and we keep getting captchas."),
    ("en", "social", "⟦PERSON:Jamie⟧ at the Croydon store told me to tweet you. So here I am. ⟪ORDER:LK-9920341⟫"),
    ("en", "ticket", "Promo ⟪PROMO:STUDENT10⟫ was rejected although I verified with ⟪NAME_LIKE:UNiDAYS⟫ on ⟪DATE:5 Oct⟫."),
    ("en", "ticket", "Dispatch note says ⟪DATE:03/10/26⟫ but tracking ⟪TRACKING:H01HYA0012345678⟫ has no scans."),
    ("en", "ticket", "Account holder: ⟦PERSON:Samuel Okafor⟧. Sort it out please, I've been a customer for ⟪NUMBER:6⟫ years."),
    ("en", "ticket", "I was quoted ⟪AMOUNT:USD 85⟫ by ⟦PERSON:Bethany⟧ on chat and charged ⟪AMOUNT:USD 105⟫."),
    ("en", "survey", "Nice staff, especially ⟦PERSON:Carlos⟧ and ⟦PERSON:Imani⟧ at the till."),
    ("en", "ticket", "Can you email ⟦EMAIL:finance@oakridge-vets.com⟧ with a VAT invoice for order ⟪ORDER:LK-2208315⟫?"),
    ("en", "ticket", "My card ending ⟪NUMBER:0005⟫ was charged ⟪AMOUNT:$9.99⟫ monthly since ⟪DATE:June⟫ for a plan I never joined."),
    ("en", "ticket", "Signed,\n⟦PERSON:Dorothy Clarke⟧ (aged 79)"),
    ("en", "ticket", "Booking ⟪NUMBER:482919374⟫ for ⟪DATE:Saturday 18th⟫, ⟪TIME:2:30pm⟫ slot, was cancelled with no notice."),
    ("en", "ticket", "Number to call: ⟦PHONE:646.555.0137⟧ (mobile), or my husband ⟦PERSON:Paul⟧ on ⟦PHONE:646.555.0199⟧."),
    ("en", "ticket", "I've attached a screenshot, app build ⟪VERSION:5.2.0 (5204)⟫ on ⟪NAME_LIKE:Samsung Galaxy S23⟫."),
    ("en", "social", "thanks ⟦PERSON:Ellie⟧ 🙏 refund landed this morning"),
    ("en", "ticket", "⟦PERSON:Victoria Hayes⟧ here, I manage the account for ⟪NAME_LIKE:Hayes & Co⟫."),
    ("en", "ticket", "Loyalty number ⟪NUMBER:6338 2201 9944⟫ isn't picking up my points."),
    ("en", "ticket", "The IBAN on my invoice is wrong, it should read ⟦IBAN:IE45 BOFI 9000 0112 3456 78⟧."),
    ("en", "ticket", "I live abroad now, new number ⟦PHONE:+61 412 345 678⟧."),
    ("en", "ticket", "Pin ⟪NUMBER:4492⟫ didn't work at the locker on ⟪DATE:Oct 9⟫ at ⟪TIME:7:15⟫."),
    ("en", "ticket", "Cheers for the help ⟦PERSON:Andy⟧, all sorted now."),
    ("en", "ticket", "Please ask ⟦PERSON:Joanna Kowalski⟧ to call me back, she has my case."),
    ("en", "ticket", "Received ⟪NUMBER:2⟫ emails from ⟦EMAIL:no-reply@luma-mail.com⟧ saying my card ⟦CARD:4539 1488 0343 6467⟧ was declined."),
    ("en", "survey", "Total was ⟪AMOUNT:$1,049.97⟫ for ⟪NUMBER:3⟫ items, a bit steep."),

    # ------------------------------------------------------------------ Spanish
    ("es", "ticket", "Buenas tardes, me llamo ⟦PERSON:Pablo Jiménez⟧ y el pedido ⟪ORDER:LK-6620019⟫ llegó incompleto."),
    ("es", "ticket", "Podéis contactarme en el ⟦PHONE:655 12 34 89⟧ o en ⟦EMAIL:pablo.jimenez@gmail.com⟧."),
    ("es", "ticket", "La devolución debe ir a ⟦IBAN:ES79 2100 0813 6101 2345 6789⟧."),
    ("es", "survey", "Muy buen servicio, ⟦PERSON:Andrea⟧ me ayudó con el cambio de talla."),
    ("es", "social", "me han cobrado ⟪AMOUNT:12,90 €⟫ de envío con el código ⟪PROMO:ENVIOGRATIS⟫ 🤡"),
    ("es", "ticket", "Cargaron ⟪AMOUNT:89,00 €⟫ a la tarjeta ⟦CARD:4026 0000 0000 0002⟧ sin mi permiso."),
    ("es", "ticket", "Un cordial saludo,\n⟦PERSON:Isabel Navarro⟧"),
    ("es", "ticket", "Mi móvil nuevo es ⟦PHONE:+34 699 887 766⟧."),
    ("es", "ticket", "Accedieron a mi cuenta desde ⟦IP:37.14.201.88⟧, ¿podéis bloquearla?"),
    ("es", "ticket", "El pedido del ⟪DATE:2 de octubre⟫ por ⟪AMOUNT:45,50 €⟫ no ha llegado."),
    ("es", "ticket", "Mi número de México: ⟦PHONE:55 8765 4321⟧, llamen después de las ⟪TIME:17:00⟫."),
    ("es", "ticket", "Gracias,\n⟦PERSON:Diego⟧"),
    ("es", "ticket", "Hablé con ⟦PERSON:Mateo⟧ por teléfono y me dijo que el reembolso tardaría ⟪NUMBER:5⟫ días."),

    # ------------------------------------------------------------------ Romanian
    ("ro", "ticket", "Bună, numele meu este ⟦PERSON:Radu Munteanu⟧ și comanda ⟪ORDER:LK-4410873⟫ a venit deteriorată."),
    ("ro", "ticket", "Vă rog să mă sunați la ⟦PHONE:0744 123 987⟧."),
    ("ro", "ticket", "Banii să fie returnați în ⟦IBAN:RO66 BACX 0000 0012 3456 7890⟧."),
    ("ro", "survey", "Am folosit codul ⟪PROMO:REDUCERE10⟫ și totuși am plătit ⟪AMOUNT:320 lei⟫."),
    ("ro", "ticket", "Mi s-a debitat cardul ⟦CARD:5425 2334 3010 9903⟧ de două ori."),
    ("ro", "ticket", "Emailul meu este ⟦EMAIL:cristina.rusu@gmail.com⟧."),
    ("ro", "ticket", "Toate cele bune,\n⟦PERSON:Elena Matei⟧"),
    ("ro", "social", "aplicatia ⟪VERSION:5.2.0⟫ nu merge deloc pe telefonul meu"),
    ("ro", "ticket", "Contul a fost accesat de pe ⟦IP:5.2.115.40⟧, nu eu am fost."),
    ("ro", "ticket", "Numărul meu nou: ⟦PHONE:+40 731 555 210⟧."),
    ("ro", "ticket", "Coletul din ⟪DATE:7 octombrie⟫ nu a ajuns, AWB ⟪TRACKING:2026001234567⟫."),
    ("ro", "ticket", "Am vorbit cu ⟦PERSON:Alina⟧ la telefon, mi-a spus că se rezolvă în ⟪NUMBER:48⟫ de ore."),

    # ------------------------------------------------------------------ Russian
    ("ru", "ticket", "Добрый день, меня зовут ⟦PERSON:Дмитрий Орлов⟧, заказ ⟪ORDER:LK-3370016⟫ пришёл не тот."),
    ("ru", "ticket", "Мой номер ⟦PHONE:+7 916 555-43-21⟧, звоните в любое время."),
    ("ru", "ticket", "Верните деньги на карту ⟦CARD:2200 1523 4567 8901⟧, пожалуйста."),
    ("ru", "ticket", "Почта для связи: ⟦EMAIL:irina.pavlova@mail.ru⟧"),
    ("ru", "survey", "Промокод ⟪PROMO:SKIDKA15⟫ не работает, а сумма была ⟪AMOUNT:4 200 руб.⟫"),
    ("ru", "ticket", "С уважением,\n⟦PERSON:Екатерина Соколова⟧"),
    ("ru", "ticket", "Кто-то зашёл в аккаунт с ⟦IP:178.176.30.12⟧."),
    ("ru", "ticket", "Звонил вчера в ⟪TIME:15:20⟫, оператор ⟦PERSON:Денис⟧ обещал перезвонить."),
    ("ru", "ticket", "Домашний телефон ⟦PHONE:8 (495) 765-43-21⟧."),
    ("ru", "social", "обновление ⟪VERSION:5.2.0⟫ сломало оплату, верните как было"),
    ("ru", "ticket", "Заказ от ⟪DATE:12.10.2026⟫ на ⟪AMOUNT:3 990 ₽⟫, трек ⟪TRACKING:RA644000001RU⟫."),

    # ------------------------------------------------------------------ Chinese
    ("zh", "ticket", "我叫⟦PERSON:李娜⟧，订单⟪ORDER:LK-5008812⟫少发了一件。"),
    ("zh", "ticket", "请打我手机⟦PHONE:186 1234 5678⟧，白天都在。"),
    ("zh", "ticket", "退款请退到这张卡：⟦CARD:6222 0212 3456 7894⟧。"),
    ("zh", "ticket", "联系邮箱：⟦EMAIL:zhang.wei@126.com⟧"),
    ("zh", "survey", "用了优惠码⟪PROMO:NEW2026⟫还是付了⟪AMOUNT:¥368⟫。"),
    ("zh", "ticket", "账号被⟦IP:36.112.0.45⟧登录过，不是我本人。"),
    ("zh", "ticket", "我的电话是⟦PHONE:+86 139 8765 4321⟧，⟪DATE:10月12日⟫之前都可以联系。"),
    ("zh", "social", "新版本⟪VERSION:5.2.0⟫付款一直失败，怎么回事"),
    ("zh", "ticket", "快递单号⟪TRACKING:YT2026100588812⟫，三天没更新了。"),

    # ------------------------------------------------------------------ German
    ("de", "ticket", "Guten Tag, ich heiße ⟦PERSON:Sabine Fischer⟧ und meine Bestellung ⟪ORDER:LK-7781044⟫ fehlt."),
    ("de", "ticket", "Sie erreichen mich unter ⟦PHONE:0170 1234567⟧."),
    ("de", "ticket", "Bitte erstatten Sie ⟪AMOUNT:79,99 €⟫ auf ⟦IBAN:DE44 5001 0517 5407 3249 31⟧."),
    ("de", "ticket", "Meine Karte ⟦CARD:4871 0499 9999 9910⟧ wurde doppelt belastet."),
    ("de", "ticket", "Beste Grüße\n⟦PERSON:Lukas Becker⟧"),
    ("de", "survey", "Gutscheincode ⟪PROMO:WINTER20⟫ ging nicht. Lieferung am ⟪DATE:14.10.⟫ war pünktlich."),
    ("de", "ticket", "Zugriff von ⟦IP:93.184.216.34⟧ auf mein Konto, das war ich nicht!"),
    ("de", "ticket", "E-Mail: ⟦EMAIL:s.fischer@gmx.de⟧, Tel.: ⟦PHONE:+49 40 3456789⟧"),
    ("de", "ticket", "Der Fahrer ⟦PERSON:Marek⟧ hat das Paket einfach vor die Tür gelegt."),
    ("de", "social", "App ⟪VERSION:5.2.0⟫ hängt beim Bezahlen, seit ⟪DATE:gestern⟫ 🙄"),

    # ------------------------------------------------------------------ French
    ("fr", "ticket", "Bonjour, je m'appelle ⟦PERSON:Nicolas Petit⟧, ma commande ⟪ORDER:LK-2290331⟫ est incomplète."),
    ("fr", "ticket", "Vous pouvez me joindre au ⟦PHONE:06 98 76 54 32⟧."),
    ("fr", "ticket", "Remboursement sur ⟦IBAN:FR76 3000 6000 0112 3456 7890 189⟧ s'il vous plaît."),
    ("fr", "ticket", "Ma carte ⟦CARD:4970 1000 0000 0063⟧ a été débitée deux fois de ⟪AMOUNT:34,90 €⟫."),
    ("fr", "ticket", "Sincères salutations,\n⟦PERSON:Sophie Martin⟧"),
    ("fr", "survey", "Le code ⟪PROMO:BIENVENUE15⟫ n'a pas fonctionné le ⟪DATE:3 octobre⟫."),
    ("fr", "ticket", "Adresse mail : ⟦EMAIL:n.petit@free.fr⟧"),
    ("fr", "ticket", "Connexion depuis ⟦IP:2a01:cb00:81b:4200::5⟧, ce n'est pas moi."),
    ("fr", "ticket", "Le livreur ⟦PERSON:Karim⟧ a été très aimable, merci à lui."),
    ("fr", "social", "appli ⟪VERSION:5.2.0⟫ = crash à chaque paiement 😡 commande ⟪ORDER:#4471180⟫"),
    ("fr", "ticket", "Bureau : ⟦PHONE:+33 1 44 55 66 77⟧, après ⟪TIME:14h⟫."),
]


# Written after the rules were frozen a second time (after tuning on "holdout" misses).
HOLDOUT_2: list[tuple[str, str, str]] = [
    ("en", "ticket", "Good morning, ⟦PERSON:Yusuf Demir⟧ here. The toaster I bought on ⟪DATE:28 September⟫ sparks when switched on."),
    ("en", "survey", "⟦PERSON:Priyanka⟧ on the helpline stayed on the phone with me for ⟪NUMBER:40⟫ minutes. Above and beyond."),
    ("en", "ticket", "I asked for ⟦PERSON:Danielle⟧ specifically because she handled my last complaint."),
    ("en", "ticket", "Regards,\n⟦PERSON:Connor McAllister⟧\n⟦PHONE:07911 654 321⟧"),
    ("en", "social", "@LumaHelp still waiting on that callback ⟦PERSON:Brandon⟧ promised 🙄 order ⟪ORDER:LK-8830126⟫"),
    ("en", "ticket", "The delivery driver (I think his name was ⟦PERSON:Florin⟧) was really helpful."),
    ("en", "ticket", "Please refund ⟪AMOUNT:$58.20⟫ to my daughter ⟦PERSON:Isla⟧'s card, she paid for it."),
    ("en", "ticket", "Write to me at ⟦EMAIL:h.oconnor@eircom.net⟧ or call ⟦PHONE:+353 87 123 4567⟧."),
    ("en", "survey", "Everything fine until ⟦PERSON:Travis⟧ at the counter refused to honour the ⟪PROMO:TAKE20⟫ code."),
    ("en", "ticket", "⟦PERSON:Siobhan Kelly⟧, ⟪NUMBER:14⟫ Orchard Close. Parcel ⟪TRACKING:JJD000390007891234⟫ never arrived."),
    ("en", "ticket", "Hi ⟦PERSON:Marco⟧! Quick one: is the ⟪AMOUNT:$10⟫ credit still on my account?"),
    ("en", "ticket", "Much appreciated,\n⟦PERSON:Beatrice Lowe⟧"),
    ("en", "call", "Customer: yeah the account's under my wife's name, ⟦PERSON:Deborah Fraser⟧"),
    ("en", "call", "Customer: you can text ⟦PHONE:(503) 555-0172⟧ when it's out for delivery"),
    ("en", "ticket", "Mrs ⟦PERSON:Okonkwo⟧ from accounts payable will send the remittance."),
    ("en", "social", "massive thanks to ⟦PERSON:Keisha⟧ who found my lost parcel ❤️"),
    ("en", "ticket", "Your colleague ⟦PERSON:Stefan⟧ said the ⟪AMOUNT:£35⟫ would be back by ⟪DATE:Friday⟫. It's ⟪DATE:Tuesday⟫."),
    ("en", "ticket", "Last login ⟦IP:151.101.1.69⟧ on ⟪DATE:10/06/2026⟫ at ⟪TIME:03:12⟫ – I was asleep!"),
    ("en", "ticket", "New card: ⟦CARD:4024 0071 4987 9412⟧. Please update the subscription before ⟪DATE:Nov 1⟫."),
    ("en", "ticket", "Refund to ⟦IBAN:NL02 ABNA 0123 4567 89⟧ please – I've moved to Amsterdam."),
    ("en", "survey", "Version ⟪VERSION:5.2.3⟫ is much better, thanks for fixing the checkout."),
    ("en", "ticket", "⟦PERSON:Gwen⟧ and ⟦PERSON:Harriet⟧ from your returns team were both lovely."),
    ("en", "ticket", "I paid ⟪AMOUNT:$312.40⟫ on ⟪DATE:Sept 30⟫ (order ⟪ORDER:LK-2981004⟫) and the item is already ⟪AMOUNT:$279⟫."),
    ("en", "ticket", "Thanks for your help today ⟦PERSON:Nathan⟧, really appreciated."),
    ("en", "ticket", "Complaint about Mr ⟦PERSON:Rahman⟧'s conduct during the installation on ⟪DATE:9 Oct⟫."),
    ("en", "social", "⟪NAME_LIKE:Larkspur⟫ courier dumped my parcel in a puddle again. ⟪ORDER:LK-3307718⟫"),
    ("en", "ticket", "Customer ID ⟪NUMBER:361000045127⟫, phone ⟦PHONE:+1 312 555 0148⟧."),
    ("es", "ticket", "Soy ⟦PERSON:Marta Delgado⟧, cliente desde hace años, y el pedido ⟪ORDER:LK-5592018⟫ no llega."),
    ("es", "ticket", "Mi teléfono: ⟦PHONE:+34 622 10 20 30⟧."),
    ("es", "ticket", "Atentamente, ⟦PERSON:Raúl Ortega⟧"),
    ("ro", "ticket", "Cu respect,\n⟦PERSON:Cătălina Dobre⟧"),
    ("ro", "ticket", "Puteți scrie la ⟦EMAIL:catalina.dobre@yahoo.com⟧ sau suna la ⟦PHONE:0762 345 678⟧."),
    ("ru", "ticket", "Всего доброго,\n⟦PERSON:Никита Лебедев⟧"),
    ("ru", "ticket", "Пишите на ⟦EMAIL:n.lebedev@bk.ru⟧ или звоните ⟦PHONE:+7 921 555 01 02⟧."),
    ("zh", "ticket", "我的名字是⟦PERSON:陈晓东⟧，手机⟦PHONE:150 1234 5678⟧。"),
    ("de", "ticket", "Herzliche Grüße\n⟦PERSON:Anja Schulz⟧"),
    ("de", "ticket", "Frau ⟦PERSON:Hoffmann⟧ von Ihrem Kundenservice hat mir ⟪AMOUNT:20 €⟫ Gutschrift versprochen."),
    ("fr", "ticket", "Bien cordialement,\n⟦PERSON:Mathilde Girard⟧"),
    ("fr", "ticket", "Mon mari, ⟦PERSON:Antoine⟧, a passé la commande ⟪ORDER:LK-6601457⟫ par erreur."),
    ("fr", "ticket", "Numéro : ⟦PHONE:07 55 44 33 22⟧, e-mail : ⟦EMAIL:m.girard@laposte.net⟧"),
]

# Written after the given-name list was added (changes informed by "holdout2"), measured untouched.
HOLDOUT_3: list[tuple[str, str, str]] = [
    ("en", "survey", "⟦PERSON:Kiran⟧ sorted my refund in minutes, best support I've had all year."),
    ("en", "ticket", "Spoke to someone called ⟦PERSON:Abigail⟧ who said the parcel was lost in ⟪NAME_LIKE:Birmingham⟫."),
    ("en", "ticket", "The courier left my parcel in ⟪NAME_LIKE:Victoria⟫ station lockers instead of ⟪NAME_LIKE:Croydon⟫."),
    ("en", "social", "⟪NAME_LIKE:Alexa⟫ can't reorder from you anymore since the ⟪VERSION:5.2⟫ update, annoying"),
    ("en", "ticket", "⟦PERSON:Megan⟧ promised a replacement by ⟪DATE:Thursday⟫. Nothing came. Order ⟪ORDER:LK-7730219⟫."),
    ("en", "ticket", "My son ⟦PERSON:Oliver⟧ ordered this by mistake using my card, please cancel it."),
    ("en", "ticket", "We run the café on ⟪NAME_LIKE:Jordan Road⟫ and your van blocks our entrance every ⟪DATE:Monday⟫."),
    ("en", "survey", "The instructions were clear and ⟦PERSON:Gabriel⟧ on chat helped with the pairing."),
    ("en", "ticket", "Kind regards,\n⟦PERSON:Rosalind Achebe⟧\nFacilities, ⟪NAME_LIKE:Northgate Primary School⟫"),
    ("en", "ticket", "Two weeks ago ⟦PERSON:Tobias⟧ from your team said a refund of ⟪AMOUNT:$76.10⟫ was on its way."),
    ("en", "social", "shipped from ⟪NAME_LIKE:Dallas⟫ on ⟪DATE:Oct 2⟫ and still not in ⟪NAME_LIKE:Austin⟫ lol"),
    ("en", "ticket", "Could ⟦PERSON:Vanessa Ortiz⟧ please call me back about the warranty claim?"),
    ("en", "ticket", "I had a great experience with ⟦PERSON:Darnell⟧, who explained the charges clearly."),
    ("en", "ticket", "The app says ⟪NAME_LIKE:Google Pay⟫ is unavailable, but ⟪NAME_LIKE:Apple Pay⟫ works."),
    ("en", "survey", "Shout-out to ⟦PERSON:Mei⟧ for sorting the exchange 👏"),
    ("en", "ticket", "My neighbour ⟦PERSON:Janet Moore⟧ signed for it but it's the wrong colour."),
    ("en", "ticket", "⟦PERSON:Callum⟧ told me there'd be no restocking fee. Now I see ⟪AMOUNT:£12⟫ deducted."),
    ("en", "ticket", "Delivered to ⟪NUMBER:42⟫ ⟪NAME_LIKE:Chelsea⟫ Court instead of ⟪NUMBER:24⟫. Same street, wrong house."),
    ("en", "ticket", "I emailed ⟦PERSON:Lucy⟧ twice and got no reply, so trying here."),
    ("en", "social", "@LumaHelp ⟦PERSON:Hamza⟧ was brilliant on the phone this morning, thank you!"),
    ("en", "ticket", "Please send it to my office, attention Dr ⟦PERSON:Patricia Wells⟧."),
    ("en", "ticket", "I ordered the ⟪NAME_LIKE:Aurora⟫ lamp in white and got black."),
]

@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int


def parse_marked(marked: str) -> tuple[str, list[Span], list[Span]]:
    """Strip the marks; return the plain text, positive spans and negative spans."""
    parts: list[str] = []
    positives: list[Span] = []
    negatives: list[Span] = []
    length = 0
    position = 0
    for match in _MARK.finditer(marked):
        before = marked[position : match.start()]
        parts.append(before)
        length += len(before)
        value = match.group("pos") or match.group("neg")
        kind = match.group("pos_kind") or match.group("neg_kind")
        span = Span(kind, length, length + len(value))
        (positives if match.group("pos") else negatives).append(span)
        parts.append(value)
        length += len(value)
        position = match.end()
    parts.append(marked[position:])
    text = "".join(parts)
    if any(ch in text for ch in "⟦⟧⟪⟫"):
        raise ValueError(f"unbalanced mark in {marked!r}")
    return text, positives, negatives


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _iban_checksum_valid(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def check_value(kind: str, value: str, *, negative: bool) -> None:
    """Independent sanity checks, so a typo in the gold set cannot pass silently."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if not negative and kind == "CARD":
        if not (13 <= len(digits) <= 19 and _luhn_valid(digits)):
            raise ValueError(f"card {value!r} is not Luhn-valid")
    if not negative and kind == "IBAN":
        compact = value.replace(" ", "").upper()
        if not (15 <= len(compact) <= 34 and _iban_checksum_valid(compact)):
            raise ValueError(f"IBAN {value!r} fails the mod-97 check")
    if not negative and kind == "IP":
        ipaddress.ip_address(value)
    if not negative and kind == "EMAIL" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError(f"e-mail {value!r} is malformed")
    if not negative and kind == "PHONE" and not 7 <= len(digits) <= 15:
        raise ValueError(f"phone {value!r} has {len(digits)} digits")
    if negative and kind == "NUMBER" and len(digits) >= 13 and _luhn_valid(digits):
        raise ValueError(f"negative {value!r} is Luhn-valid: it would be a card")


def gold_records() -> list[dict]:
    records: list[dict] = []
    for batch_name, batch in (("dev", DEV), ("holdout", HOLDOUT), ("holdout2", HOLDOUT_2), ("holdout3", HOLDOUT_3)):
        for language, source, marked in batch:
            text, positives, negatives = parse_marked(marked)
            for span in positives:
                if span.kind not in POSITIVE_KINDS:
                    raise ValueError(f"unknown positive kind {span.kind} in {marked!r}")
                check_value(span.kind, text[span.start : span.end], negative=False)
            for span in negatives:
                if span.kind not in NEGATIVE_KINDS:
                    raise ValueError(f"unknown negative kind {span.kind} in {marked!r}")
                check_value(span.kind, text[span.start : span.end], negative=True)
            records.append({
                "id": f"{batch_name}-{len(records):04d}",
                "batch": batch_name,
                "language": language,
                "source": source,
                "text": text,
                "pii": [{"kind": s.kind, "start": s.start, "end": s.end} for s in positives],
                "keep": [{"kind": s.kind, "start": s.start, "end": s.end} for s in negatives],
            })
    return records


def write_gold(path: Path) -> int:
    records = gold_records()
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("redaction_gold.jsonl")
    print(f"wrote {write_gold(target)} records to {target}")
