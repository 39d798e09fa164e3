"""The demo shop's policy document, in five languages, written from the rules the code enforces."""

from __future__ import annotations

from typing import Any

from tools.catalog_data import STORES
from tools.orders import CUT_OFF, METHODS
from tools.returns import RETURN_WINDOW

SHOP_ID = "demo"
LANGUAGES = ("en", "es", "fr", "de", "hi")
# Street addresses of the stores (`catalog_data.STORES` has their names, cities and postcodes).
STREETS = {"store-downtown": "120 Main Street", "store-mall": "45 River Road, Riverside Mall",
           "store-airport": "Terminal B, 1 Airport Way"}
OPEN = {"en": "open Monday to Saturday 9:00-20:00, closed on Sunday",
        "es": "abierta de lunes a sábado de 9:00 a 20:00, cerrada los domingos",
        "fr": "ouvert du lundi au samedi de 9 h à 20 h, fermé le dimanche",
        "de": "geöffnet Montag bis Samstag 9:00-20:00 Uhr, sonntags geschlossen",
        "hi": "सोमवार से शनिवार 9:00-20:00 खुला, रविवार बंद (Mon-Sat 9-8 khula, Sunday band)"}

_DAYS = RETURN_WINDOW.days
_STD, _EXP = METHODS["standard"], METHODS["express"]
_CUT = CUT_OFF.strftime("%H:%M")

# Each section: its keywords (any language; what customers say), and its text per language.
_SECTIONS: list[tuple[str, str, dict[str, str]]] = [
    ("returns",
     "return returns refund refunds money back send back exchange devolver devolucion "
     "devoluciones reembolso retour retourner rembourser remboursement rückgabe zurückgeben "
     "rückerstattung umtausch wapas vapas refund lautana वापसी",
     {"en": f"Returns: you can return a delivered item within {_DAYS} days of delivery. We send "
            "a prepaid label; the refund is paid when the item reaches us, to the card that "
            "paid, or as store credit if the order was not paid by card or you ask for it.",
      "es": f"Devoluciones: puedes devolver un artículo entregado en los {_DAYS} días siguientes "
            "a la entrega. Te enviamos una etiqueta prepagada; el reembolso se paga cuando el "
            "artículo nos llega, a la tarjeta con la que pagaste o como crédito en la tienda.",
      "fr": f"Retours : vous pouvez retourner un article livré dans les {_DAYS} jours suivant "
            "la livraison. Nous envoyons une étiquette prépayée ; le remboursement est versé à "
            "réception, sur la carte utilisée ou en avoir si vous le demandez.",
      "de": f"Rückgabe: Gelieferte Artikel können Sie innerhalb von {_DAYS} Tagen nach Lieferung "
            "zurückgeben. Sie erhalten ein frankiertes Etikett; die Erstattung erfolgt bei "
            "Eingang, auf die bezahlende Karte oder als Guthaben.",
      "hi": f"वापसी: डिलीवरी के {_DAYS} दिनों के अंदर सामान वापस कर सकते हैं (return within "
            f"{_DAYS} days). रिफंड सामान मिलने पर कार्ड में या स्टोर क्रेडिट के रूप में मिलता है।"}),
    ("warranty",
     "warranty guarantee repair broken faulty defective garantia reparacion reparar roto "
     "garantie réparation cassé defekt reparatur kaputt gewährleistung वारंटी kharab",
     {"en": "Warranty: every product has a manufacturer's warranty from delivery (for example "
            "24 months on laptops, 36 on monitors, 12 on phones). A faulty item under warranty is "
            "repaired or replaced free; out of warranty we offer a paid repair.",
      "es": "Garantía: cada producto tiene garantía del fabricante desde la entrega (24 meses "
            "en portátiles, 36 en monitores, 12 en teléfonos). Si falla dentro de garantía, se "
            "repara o se cambia gratis; fuera de garantía ofrecemos una reparación de pago.",
      "fr": "Garantie : chaque produit est garanti par le fabricant dès la livraison (24 mois "
            "pour les portables, 36 pour les écrans, 12 pour les téléphones). Sous garantie, "
            "réparation ou remplacement gratuits ; hors garantie, réparation payante.",
      "de": "Garantie: Jedes Produkt hat ab Lieferung Herstellergarantie (24 Monate bei Laptops, "
            "36 bei Monitoren, 12 bei Handys). In der Garantie kostenlose Reparatur oder Ersatz; "
            "danach bieten wir eine kostenpflichtige Reparatur an.",
      "hi": "वारंटी: हर प्रोडक्ट पर डिलीवरी से वारंटी (laptop 24 महीने, monitor 36, phone 12)। "
            "वारंटी में मुफ्त रिपेयर या बदलाव; उसके बाद पेड रिपेयर।"}),
    ("shipping",
     "shipping delivery deliver ship express next day pickup collect envio entrega enviar "
     "recoger livraison expédition livrer retrait versand lieferung liefern abholen "
     "डिलीवरी shipping kab aayega",
     {"en": f"Shipping: standard delivery takes {_STD[0]}-{_STD[1]} business days, express "
            f"{_EXP[0]}-{_EXP[1]}, next day 1; orders placed before {_CUT} ship the same day. "
            "Alaska, Hawaii and the islands add 2 days. You can also collect from a store.",
      "es": f"Envíos: el envío estándar tarda {_STD[0]}-{_STD[1]} días hábiles, el exprés "
            f"{_EXP[0]}-{_EXP[1]} y el de día siguiente 1; los pedidos antes de las {_CUT} salen "
            "el mismo día. También puedes recoger en tienda.",
      "fr": f"Livraison : standard en {_STD[0]} à {_STD[1]} jours ouvrés, express en {_EXP[0]} "
            f"à {_EXP[1]}, lendemain en 1 ; commandé avant {_CUT}, expédié le jour même. "
            "Retrait en magasin possible.",
      "de": f"Versand: Standard {_STD[0]}-{_STD[1]} Werktage, Express {_EXP[0]}-{_EXP[1]}, "
            f"Next Day 1; Bestellungen vor {_CUT} Uhr gehen am selben Tag raus. Abholung im "
            "Laden möglich.",
      "hi": f"डिलीवरी: standard {_STD[0]}-{_STD[1]} कार्य दिवस, express {_EXP[0]}-{_EXP[1]}, "
            f"next day 1; {_CUT} से पहले ऑर्डर उसी दिन भेजा जाता है। स्टोर से पिकअप भी।"}),
    ("payment",
     "pay payment payments card cards credit debit cash method methods voucher pagar pago "
     "tarjeta efectivo paiement payer carte espèces zahlung bezahlen karte bargeld "
     "भुगतान payment kaise",
     {"en": "Payment: we take credit and debit cards online and in store, and cash in store. "
            "Reward vouchers and store credit count towards an order. You always confirm the "
            "amount before anything is charged.",
      "es": "Pago: aceptamos tarjetas de crédito y débito en línea y en tienda, y efectivo en "
            "tienda. Los vales y el crédito de tienda cuentan. Siempre confirmas el importe "
            "antes de cualquier cargo.",
      "fr": "Paiement : cartes de crédit et de débit en ligne et en magasin, espèces en magasin. "
            "Bons et avoirs acceptés. Vous confirmez toujours le montant avant tout débit.",
      "de": "Zahlung: Kredit- und Debitkarten online und im Laden, bar im Laden. Gutscheine und "
            "Guthaben werden angerechnet. Sie bestätigen den Betrag immer vor der Abbuchung.",
      "hi": "भुगतान: ऑनलाइन और स्टोर में credit/debit card, स्टोर में cash। हर चार्ज से पहले "
            "आप राशि की पुष्टि करते हैं।"}),
    ("price_match",
     "price match matching beat cheaper elsewhere competitor lower price igualar precio "
     "igualan competencia alinement alignez prix concurrent moins cher preisgarantie "
     "günstiger preis angleichen sasta kam daam",
     {"en": "Price match: we match the advertised price of the identical new item at a major US "
            "retailer, at the time you buy, in store or online. A colleague checks the offer; "
            "ask for one and share the link.",
      "es": "Igualamos precios: igualamos el precio anunciado del mismo artículo nuevo en un "
            "gran comercio de EE. UU. en el momento de la compra. Un compañero revisa la oferta.",
      "fr": "Alignement de prix : nous alignons le prix affiché du même article neuf chez un "
            "grand distributeur américain, au moment de l'achat. Un conseiller vérifie l'offre.",
      "de": "Preisgarantie: Wir gleichen den beworbenen Preis desselben Neuartikels bei einem "
            "großen US-Händler zum Kaufzeitpunkt an. Ein Kollege prüft das Angebot.",
      "hi": "प्राइस मैच: किसी बड़े US स्टोर पर वही नया सामान सस्ता हो तो हम वही कीमत देते हैं; "
            "एक सहकर्मी ऑफ़र जांचता है।"}),
    ("loyalty",
     "points tier tiers bronze silver gold perks rewards loyalty member membership benefits "
     "puntos nivel ventajas beneficios fidélité niveau avantages punkte stufe vorteile "
     "प्वाइंट points fayde",
     {"en": "Loyalty: every purchase earns 1 point per dollar; 500 points are worth $5 off. "
            "Bronze members get member offers such as 15% off headphones; Silver adds 10% off "
            "laptops; Gold adds free express shipping.",
      "es": "Fidelidad: cada compra suma 1 punto por dólar; 500 puntos valen 5 $ de descuento. "
            "Bronce: ofertas de socio (15 % en auriculares); Plata: 10 % en portátiles; Oro: "
            "envío exprés gratis.",
      "fr": "Fidélité : 1 point par dollar dépensé ; 500 points valent 5 $. Bronze : offres "
            "membres (15 % sur les casques) ; Argent : 10 % sur les portables ; Or : livraison "
            "express offerte.",
      "de": "Treue: 1 Punkt pro Dollar; 500 Punkte sind 5 $ Rabatt. Bronze: Mitgliederangebote "
            "(15 % auf Kopfhörer); Silber: 10 % auf Laptops; Gold: kostenloser Expressversand.",
      "hi": "लॉयल्टी: हर डॉलर पर 1 पॉइंट; 500 पॉइंट = $5 छूट। Bronze: headphones पर 15%; "
            "Silver: laptops पर 10%; Gold: मुफ्त express shipping।"}),
    ("hours",
     "hours open opening close closing when time sunday horario horas abierto abren cierran "
     "domingo horaires heures ouvert ouverture fermé dimanche öffnungszeiten geöffnet offen "
     "schließen sonntag समय khula kab band",
     {lang: {"en": "Store hours: all our stores are ", "es": "Horario: todas las tiendas están ",
             "fr": "Horaires : tous nos magasins sont ", "de": "Öffnungszeiten: alle Läden sind ",
             "hi": "स्टोर समय: सभी स्टोर "}[lang] + OPEN[lang] + "."
      for lang in LANGUAGES}),
]


def _store_section(store: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    place = f"{STREETS[store['_id']]}, {store['city']} {store['postcode']}"
    keywords = (f"{store['name']} {store['city']} store address location where directions "
                "tienda dirección dónde magasin adresse où laden adresse wo पता kahan")
    label = {"en": "store", "es": "tienda", "fr": "magasin", "de": "Laden", "hi": "स्टोर"}
    return (store["_id"], keywords,
            {lang: f"{store['name']} {label[lang]}: {place}; {OPEN[lang]}." for lang in LANGUAGES})


def _stores_section() -> tuple[str, str, dict[str, str]]:
    """Every store in one line: "what stores do you have?" asks for the list, not one store."""
    label = {"en": "Our stores", "es": "Nuestras tiendas", "fr": "Nos magasins",
             "de": "Unsere Läden", "hi": "हमारे स्टोर"}
    places = "; ".join(f"{store['name']} ({STREETS[store['_id']]}, {store['city']} "
                       f"{store['postcode']})" for store in STORES)
    keywords = ("stores shops branches locations all list which tiendas sucursales cuáles "
                "magasins boutiques quels filialen geschäfte läden welche dukaan dukane kaun")
    return ("stores", keywords,
            {lang: f"{label[lang]}: {places}. {OPEN[lang][:1].upper()}{OPEN[lang][1:]}."
             for lang in LANGUAGES})


def policy_document() -> dict[str, Any]:
    """The demo shop's policy document as it is stored: one section per topic and store."""
    sections = [*_SECTIONS, _stores_section(), *(_store_section(store) for store in STORES)]
    return {"_id": SHOP_ID, "languages": list(LANGUAGES), "sections": [
        {"key": key, "keywords": keywords, "text": text} for key, keywords, text in sections]}
