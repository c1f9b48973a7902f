import { Fragment, type ReactNode } from "react";

/**
 * The search API's highlights are the product's text HTML-escaped, with `<em>` around matches. They are
 * never handed to the DOM as HTML: the string is split on the literal `<em>`/`</em>` markers, every other
 * part is decoded as text and rendered as a text node. So only `<em>` survives, and a product named
 * `<img src=x onerror=alert(1)>` shows as those characters and runs nothing.
 */
export interface HighlightPart {
  text: string;
  em: boolean;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

export function parseHighlight(fragment: string): HighlightPart[] {
  const parts: HighlightPart[] = [];
  let em = false;
  for (const piece of fragment.split(/(<\/?em>)/i)) {
    const marker = piece.toLowerCase();
    if (marker === "<em>") em = true;
    else if (marker === "</em>") em = false;
    else if (piece) parts.push({ text: decodeEntities(piece), em });
  }
  return parts;
}

/** Renders a highlight fragment; without one, the plain text. */
export function Highlight({ fragment, text }: { fragment?: string | undefined; text: string }): ReactNode {
  if (!fragment) return text;
  return parseHighlight(fragment).map((part, i) =>
    part.em ? <em key={i}>{part.text}</em> : <Fragment key={i}>{part.text}</Fragment>,
  );
}
