// Cards drawn from a response's `actions`: products, stock, cart, orders, points, returns.
import { day, money, number, t } from "./i18n.js";

/** A DOM element: `h("p", {class: "x"}, "text", child)`; `on*` attributes are listeners. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

const ICONS = {  // simple outline pictures by category, drawn with one path each
  laptops: "M4 5h16v10H4zM2 17h20v2H2z",
  phones: "M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm3 17h2",
  headphones: "M4 14v-2a8 8 0 0 1 16 0v2M4 14h3v6H4zM17 14h3v6h-3z",
  cameras: "M3 7h4l2-3h6l2 3h4v13H3zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
  default: "M5 8h14l-1 13H6zM9 8V6a3 3 0 0 1 6 0v2",
};

function picture(category) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[category] || ICONS.default);
  svg.append(path);
  return h("div", { class: `picture ${ICONS[category] ? category : "default"}` }, svg);
}

function badge(status, lang) {
  return h("span", { class: `badge ${status}` }, t(lang, status) || status);
}

function product(p, ctx) {
  const button = h("button", {
    type: "button", class: "add", "data-sku": p.sku,
    "aria-label": `${t(ctx.lang, "add")}: ${p.name}`,
    onclick: () => ctx.onAdd(p, button),
  }, t(ctx.lang, "add"));
  if (ctx.inCart.has(p.sku)) markAdded(button, ctx.lang);
  return h("li", { class: "product" },
    picture(p.category),
    h("p", { class: "name" }, p.name),
    h("p", { class: "price" }, money(p.price, p.currency, ctx.lang)),
    p.reasons && p.reasons[0] ? h("p", { class: "reason" }, p.reasons[0]) : null,
    button);
}

/** Show a product's Add button as done. */
export function markAdded(button, lang) {
  button.textContent = `✓ ${t(lang, "added")}`;
  button.classList.add("done");
}

function lines(items, currency, lang) {
  return h("ul", { class: "lines" }, items.map((item) => h("li", {},
    h("span", {}, `${item.quantity || 1} × ${item.name}`),
    item.line_total !== undefined ? h("span", {}, money(item.line_total, currency, lang)) : null)));
}

function total(amount, currency, lang) {
  return h("p", { class: "total" }, h("span", {}, t(lang, "total")),
    h("strong", {}, money(amount, currency, lang)));
}

function confirmButtons(action, ctx) {
  const amount = action.card_charge ?? action.total ?? action.refund;
  const yes = action.type === "payment_confirmation"
    ? t(ctx.lang, "pay", { total: money(amount, action.currency, ctx.lang) })
    : t(ctx.lang, action.type === "return" ? "confirmReturn"
      : action.type === "redeem_confirmation" ? "redeem" : "confirm");
  const id = action.confirmation_id;
  return h("div", { class: "confirm", "data-confirmation": id },
    h("button", { type: "button", class: "primary pay", onclick: () => ctx.onConfirm(id, true, yes) },
      yes),
    h("button", { type: "button", class: "secondary", onclick: () => ctx.onConfirm(id, false) },
      t(ctx.lang, "cancel")));
}

const DRAW = {
  product_list: (a, ctx) => h("ul", { class: "products", "aria-label": a.category || "products" },
    a.products.map((p) => product(p, ctx))),
  product: (a, ctx) => h("ul", { class: "products single" }, product(a, ctx)),
  stock: (a, ctx) => h("div", { class: "card" },
    h("p", { class: "card-title" }, a.name, " ", badge(a.in_stock ? "inStock" : "outOfStock", ctx.lang)),
    h("ul", { class: "lines" }, (a.stores || []).map((s) => h("li", {},
      h("span", {}, s.store), h("span", {}, s.quantity > 0 ? t(ctx.lang, "left", { n: s.quantity })
        : t(ctx.lang, "outOfStock")))))),
  cart: (a, ctx) => a.items && a.items.length ? h("div", { class: "card" },
    h("p", { class: "card-title" }, t(ctx.lang, "cart")),
    lines(a.items, a.currency, ctx.lang), total(a.total, a.currency, ctx.lang),
    h("button", { type: "button", class: "primary wide",
      onclick: (e) => ctx.onSay(t(ctx.lang, "checkoutSay"), e.currentTarget) },
    t(ctx.lang, "checkout"))) : null,
  payment_confirmation: (a, ctx) => h("div", { class: "card" },
    lines(a.items || [], a.currency, ctx.lang), total(a.total, a.currency, ctx.lang),
    a.card ? h("p", { class: "muted" }, a.card) : null,
    ctx.live && ctx.pending === a.confirmation_id ? confirmButtons(a, ctx) : null),
  payment_status: (a, ctx) => h("div", { class: "card status-card" },
    h("p", { class: "card-title" }, money(a.total, a.currency, ctx.lang), " ", badge(a.status, ctx.lang)),
    a.order_id ? h("p", { class: "muted" }, t(ctx.lang, "order", { id: a.order_id })) : null),
  order_status: (a, ctx) => h("div", { class: "card" },
    h("p", { class: "card-title" }, t(ctx.lang, "order", { id: a.order_id }), " ", badge(a.status, ctx.lang)),
    lines(a.items || [], "USD", ctx.lang),
    a.estimated_delivery ? h("p", { class: "muted" }, t(ctx.lang, "eta", { date: day(a.estimated_delivery, ctx.lang) })) : null,
    a.tracking && a.tracking.url ? h("a", { class: "link", href: a.tracking.url, target: "_blank", rel: "noopener noreferrer" },
      `${t(ctx.lang, "track", { carrier: a.tracking.carrier })} · ${a.tracking.number}`) : null),
  points: (a, ctx) => a.balance === undefined ? null : h("div", { class: "card points" },
    h("p", { class: "big" }, t(ctx.lang, "points", { points: number(a.balance, ctx.lang) })),
    a.tier ? h("p", { class: "muted" }, t(ctx.lang, "tier", { tier: a.tier })) : null),
  return: (a, ctx) => a.status === "choose" ? null : h("div", { class: "card" },
    h("p", { class: "card-title" }, t(ctx.lang, "returnTitle", { id: a.order_id || a.return_id }), " ",
      badge(a.status === "awaiting_confirmation" ? "awaiting" : a.status, ctx.lang)),
    lines(a.items || [], a.currency, ctx.lang),
    a.refund !== undefined ? h("p", { class: "muted" }, t(ctx.lang, "refund", { amount: money(a.refund, a.currency, ctx.lang) })) : null,
    a.label_url ? h("a", { class: "link", href: a.label_url, target: "_blank", rel: "noopener noreferrer" }, t(ctx.lang, "label")) : null,
    ctx.live && ctx.pending === a.confirmation_id ? confirmButtons(a, ctx) : null),
  handoff_ticket: (a, ctx) => h("p", { class: "note" }, t(ctx.lang, "ticket", { id: a.ticket_id })),
};

/**
 * The cards for `actions`. `ctx`: {lang, live (these are the newest terms), pending (the
 * confirmation waiting), inCart (skus), onAdd(product, button), onConfirm(id, yes, label),
 * onSay(text, button)}.
 */
export function cards(actions, ctx) {
  const drawn = [];
  for (const action of actions || []) {
    const draw = DRAW[action && action.type];
    const node = draw ? draw(action, ctx) : null;
    if (node) drawn.push(node);
  }
  const pendingShown = drawn.some((n) => n.querySelector && n.querySelector(".confirm"));
  const waiting = (actions || []).find((a) => a && a.confirmation_id === ctx.pending);
  if (ctx.live && ctx.pending && !pendingShown && waiting) {  // terms with no card of their own
    drawn.push(h("div", { class: "card" }, confirmButtons(waiting, ctx)));
  }
  return drawn;
}
