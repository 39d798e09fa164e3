// The widget's own words in the five languages the assistant speaks; amounts and dates by Intl.

const STRINGS = {
  en: {
    title: "Shop assistant", online: "Online · replies in seconds",
    human: "You're chatting with our team", placeholder: "Type your message…",
    message: "Message", send: "Send", close: "Close chat", typing: "The assistant is typing…",
    you: "You said", assistant: "Assistant", operator: "Our team",
    joined: "A person from our team has joined the conversation.",
    handback: "Our team has handed you back to the assistant.",
    welcome: "Hi! I can help you find products, check stock and orders, pay and start returns. What are you looking for?",
    add: "Add to cart", added: "Added", addSay: "Add {sku} to my cart",
    checkout: "Check out", checkoutSay: "I want to check out",
    pay: "Pay {total}", confirm: "Confirm", confirmReturn: "Start the return",
    redeem: "Redeem", cancel: "Cancel", yesSay: "Yes, go ahead", noSay: "Cancel",
    cart: "Your cart", total: "Total", order: "Order {id}", track: "Track with {carrier}",
    eta: "Arrives by {date}", points: "{points} points", tier: "{tier} member",
    inStock: "In stock", outOfStock: "Out of stock", left: "{n} left",
    returnTitle: "Return for {id}", refund: "Refund {amount}", label: "Print the return label",
    ticket: "Ticket {id}", paid: "Paid", pending: "Processing", declined: "Declined",
    failed: "Failed", cancelled: "Cancelled", placed: "Placed", processing: "Processing",
    shipped: "Shipped", delivered: "Delivered", open: "Open", awaiting: "Waiting for you",
    error: "Something went wrong. Please try again.", busy: "One moment, still answering…",
    slow: "You're sending messages quickly. Please wait a moment and try again.",
    offline: "We can't reach the shop right now. Please try again in a moment.",
    signin: "We couldn't start the chat. Please reload the page.",
  },
  es: {
    title: "Asistente de la tienda", online: "En línea · responde en segundos",
    human: "Estás hablando con nuestro equipo", placeholder: "Escribe tu mensaje…",
    message: "Mensaje", send: "Enviar", close: "Cerrar el chat",
    typing: "El asistente está escribiendo…", you: "Tú dijiste", assistant: "Asistente",
    operator: "Nuestro equipo", joined: "Una persona de nuestro equipo se ha unido a la conversación.",
    handback: "Nuestro equipo te ha devuelto al asistente.",
    welcome: "¡Hola! Puedo ayudarte a encontrar productos, ver stock y pedidos, pagar y hacer devoluciones. ¿Qué buscas?",
    add: "Añadir al carrito", added: "Añadido", addSay: "Añade {sku} a mi carrito",
    checkout: "Pagar el carrito", checkoutSay: "Quiero pagar mi carrito",
    pay: "Pagar {total}", confirm: "Confirmar", confirmReturn: "Iniciar la devolución",
    redeem: "Canjear", cancel: "Cancelar", yesSay: "Sí, adelante", noSay: "Cancelar",
    cart: "Tu carrito", total: "Total", order: "Pedido {id}", track: "Seguir con {carrier}",
    eta: "Llega el {date}", points: "{points} puntos", tier: "Nivel {tier}",
    inStock: "Disponible", outOfStock: "Agotado", left: "Quedan {n}",
    returnTitle: "Devolución de {id}", refund: "Reembolso {amount}",
    label: "Imprimir la etiqueta", ticket: "Ticket {id}", paid: "Pagado", pending: "En curso",
    declined: "Rechazado", failed: "Fallido", cancelled: "Cancelado", placed: "Recibido",
    processing: "En preparación", shipped: "Enviado", delivered: "Entregado", open: "Abierto",
    awaiting: "Pendiente de ti", error: "Algo salió mal. Inténtalo de nuevo.",
    busy: "Un momento, sigo respondiendo…",
    slow: "Estás enviando mensajes muy rápido. Espera un momento.",
    offline: "No podemos conectar con la tienda ahora. Inténtalo en un momento.",
    signin: "No pudimos iniciar el chat. Recarga la página.",
  },
  fr: {
    title: "Assistant de la boutique", online: "En ligne · répond en quelques secondes",
    human: "Vous discutez avec notre équipe", placeholder: "Écrivez votre message…",
    message: "Message", send: "Envoyer", close: "Fermer le chat",
    typing: "L'assistant écrit…", you: "Vous avez dit", assistant: "Assistant",
    operator: "Notre équipe", joined: "Une personne de notre équipe a rejoint la conversation.",
    handback: "Notre équipe vous a rendu à l'assistant.",
    welcome: "Bonjour ! Je peux vous aider à trouver des produits, vérifier stocks et commandes, payer et faire un retour. Que cherchez-vous ?",
    add: "Ajouter au panier", added: "Ajouté", addSay: "Ajoute {sku} à mon panier",
    checkout: "Payer le panier", checkoutSay: "Je veux payer mon panier",
    pay: "Payer {total}", confirm: "Confirmer", confirmReturn: "Lancer le retour",
    redeem: "Utiliser", cancel: "Annuler", yesSay: "Oui, allez-y", noSay: "Annuler",
    cart: "Votre panier", total: "Total", order: "Commande {id}", track: "Suivre avec {carrier}",
    eta: "Livraison le {date}", points: "{points} points", tier: "Membre {tier}",
    inStock: "En stock", outOfStock: "Épuisé", left: "{n} restants",
    returnTitle: "Retour de {id}", refund: "Remboursement {amount}",
    label: "Imprimer l'étiquette", ticket: "Ticket {id}", paid: "Payé", pending: "En cours",
    declined: "Refusé", failed: "Échec", cancelled: "Annulé", placed: "Reçue",
    processing: "En préparation", shipped: "Expédiée", delivered: "Livrée", open: "Ouvert",
    awaiting: "En attente de vous", error: "Une erreur est survenue. Réessayez.",
    busy: "Un instant, je réponds encore…",
    slow: "Vous envoyez des messages très vite. Patientez un instant.",
    offline: "Impossible de joindre la boutique pour l'instant. Réessayez dans un moment.",
    signin: "Le chat n'a pas pu démarrer. Rechargez la page.",
  },
  de: {
    title: "Shop-Assistent", online: "Online · antwortet in Sekunden",
    human: "Sie chatten mit unserem Team", placeholder: "Nachricht eingeben…",
    message: "Nachricht", send: "Senden", close: "Chat schließen",
    typing: "Der Assistent schreibt…", you: "Sie schrieben", assistant: "Assistent",
    operator: "Unser Team", joined: "Eine Person aus unserem Team ist dem Gespräch beigetreten.",
    handback: "Unser Team hat Sie wieder an den Assistenten übergeben.",
    welcome: "Hallo! Ich helfe Ihnen, Produkte zu finden, Bestand und Bestellungen zu prüfen, zu bezahlen und Rücksendungen zu starten. Was suchen Sie?",
    add: "In den Warenkorb", added: "Hinzugefügt", addSay: "Füge {sku} zum Warenkorb hinzu",
    checkout: "Zur Kasse", checkoutSay: "Ich möchte meinen Warenkorb bezahlen",
    pay: "{total} bezahlen", confirm: "Bestätigen", confirmReturn: "Rücksendung starten",
    redeem: "Einlösen", cancel: "Abbrechen", yesSay: "Ja, bitte", noSay: "Abbrechen",
    cart: "Ihr Warenkorb", total: "Summe", order: "Bestellung {id}",
    track: "Verfolgen bei {carrier}", eta: "Ankunft bis {date}", points: "{points} Punkte",
    tier: "{tier}-Mitglied", inStock: "Auf Lager", outOfStock: "Ausverkauft",
    left: "Noch {n}", returnTitle: "Rücksendung zu {id}", refund: "Erstattung {amount}",
    label: "Rücksendeetikett drucken", ticket: "Ticket {id}", paid: "Bezahlt",
    pending: "In Bearbeitung", declined: "Abgelehnt", failed: "Fehlgeschlagen",
    cancelled: "Storniert", placed: "Eingegangen", processing: "In Bearbeitung",
    shipped: "Versandt", delivered: "Zugestellt", open: "Offen", awaiting: "Wartet auf Sie",
    error: "Etwas ist schiefgelaufen. Bitte erneut versuchen.",
    busy: "Einen Moment, ich antworte noch…",
    slow: "Sie senden sehr schnell. Bitte warten Sie einen Moment.",
    offline: "Der Shop ist gerade nicht erreichbar. Bitte gleich erneut versuchen.",
    signin: "Der Chat konnte nicht starten. Bitte laden Sie die Seite neu.",
  },
  hi: {
    title: "शॉप असिस्टेंट", online: "ऑनलाइन · कुछ ही सेकंड में जवाब",
    human: "आप हमारी टीम से बात कर रहे हैं", placeholder: "अपना संदेश लिखें…",
    message: "संदेश", send: "भेजें", close: "चैट बंद करें", typing: "असिस्टेंट लिख रहा है…",
    you: "आपने कहा", assistant: "असिस्टेंट", operator: "हमारी टीम",
    joined: "हमारी टीम का एक सदस्य बातचीत में शामिल हुआ है।",
    handback: "हमारी टीम ने आपको फिर से असिस्टेंट को सौंप दिया है।",
    welcome: "नमस्ते! मैं प्रोडक्ट ढूँढने, स्टॉक और ऑर्डर देखने, भुगतान और रिटर्न में मदद कर सकता हूँ। आप क्या ढूँढ रहे हैं?",
    add: "कार्ट में डालें", added: "डाल दिया", addSay: "{sku} mere cart mein daal do",
    checkout: "चेकआउट", checkoutSay: "mujhe checkout karna hai",
    pay: "{total} भुगतान करें", confirm: "पुष्टि करें", confirmReturn: "रिटर्न शुरू करें",
    redeem: "रिडीम करें", cancel: "रद्द करें", yesSay: "हाँ, आगे बढ़ें", noSay: "रद्द करें",
    cart: "आपका कार्ट", total: "कुल", order: "ऑर्डर {id}", track: "{carrier} पर ट्रैक करें",
    eta: "{date} तक पहुँचेगा", points: "{points} पॉइंट", tier: "{tier} सदस्य",
    inStock: "स्टॉक में", outOfStock: "स्टॉक खत्म", left: "{n} बचे",
    returnTitle: "{id} का रिटर्न", refund: "रिफंड {amount}", label: "रिटर्न लेबल प्रिंट करें",
    ticket: "टिकट {id}", paid: "भुगतान हो गया", pending: "प्रक्रिया में",
    declined: "अस्वीकृत", failed: "विफल", cancelled: "रद्द", placed: "मिल गया",
    processing: "तैयार हो रहा है", shipped: "भेज दिया गया", delivered: "पहुँच गया",
    open: "खुला", awaiting: "आपकी प्रतीक्षा", error: "कुछ गलत हो गया। फिर से कोशिश करें।",
    busy: "एक पल, अभी जवाब दे रहा हूँ…", slow: "आप बहुत जल्दी संदेश भेज रहे हैं। थोड़ा रुकें।",
    offline: "अभी शॉप से जुड़ नहीं पा रहे। थोड़ी देर में कोशिश करें।",
    signin: "चैट शुरू नहीं हो सकी। पेज फिर से लोड करें।",
  },
};

export const LANGUAGES = Object.keys(STRINGS);

/** The supported language closest to `tag` ("es-MX" -> "es"), English otherwise. */
export function pick(tag) {
  const base = String(tag || "en").slice(0, 2).toLowerCase();
  return STRINGS[base] ? base : "en";
}

/** The widget's string `key` in `lang`, with `{name}` filled from `vars`. */
export function t(lang, key, vars = {}) {
  const text = (STRINGS[lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

const LOCALES = { en: "en-US", es: "es-ES", fr: "fr-FR", de: "de-DE", hi: "hi-IN" };

/** An amount as the customer reads it: "$898.99", "898,99 US$". */
export function money(amount, currency, lang) {
  try {
    return new Intl.NumberFormat(LOCALES[lang] || "en-US",
      { style: "currency", currency: currency || "USD" }).format(Number(amount));
  } catch {
    return `${Number(amount).toFixed(2)} ${currency || ""}`.trim();
  }
}

/** A date ("2026-12-08") in words: "Tue, Dec 8". */
export function day(iso, lang) {
  const date = new Date(String(iso).length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(LOCALES[lang] || "en-US",
    { weekday: "short", month: "short", day: "numeric" }).format(date);
}

/** A number in the customer's locale: "1,841". */
export function number(value, lang) {
  return new Intl.NumberFormat(LOCALES[lang] || "en-US").format(Number(value));
}
