/** Just enough XML for the AWS wire formats: a writer for answers and a reader for S3 request bodies. */

export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | RawXml
  | XmlValue[]
  | { [k: string]: XmlValue };

/** Markup written as it is, in place of the element named by its key (for S3's interleaved lists). */
export class RawXml {
  constructor(readonly xml: string) {}
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

/**
 * How a list is written: EC2 wraps each entry in `<item>` inside the list's element; S3 repeats the element
 * itself (a "flattened" list), so a wrapped S3 list is written as an object holding the repeated element.
 */
export type ListStyle = 'item' | 'repeat';

function scalar(v: string | number | boolean | Date): string {
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

export function xmlElement(name: string, value: XmlValue, lists: ListStyle): string {
  if (value === undefined || value === null) return '';
  if (value instanceof RawXml) return value.xml;
  if (Array.isArray(value)) {
    if (lists === 'item')
      return `<${name}>${value.map((v) => xmlElement('item', v, lists)).join('')}</${name}>`;
    return value.map((v) => xmlElement(name, v, lists)).join('');
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    const inner = Object.entries(value)
      .map(([k, v]) => xmlElement(k, v, lists))
      .join('');
    return inner ? `<${name}>${inner}</${name}>` : `<${name}/>`;
  }
  return `<${name}>${scalar(value)}</${name}>`;
}

/** A whole document: the root element with its namespace. */
export function xmlDocument(
  root: string,
  xmlns: string,
  body: Record<string, XmlValue>,
  lists: ListStyle,
): string {
  const inner = Object.entries(body)
    .map(([k, v]) => xmlElement(k, v, lists))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${xmlns}">${inner}</${root}>`;
}

export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

export class XmlSyntaxError extends Error {}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()] ?? '';
  });
}

/** Parses a small, well-formed document (no DTD, no CDATA); anything else is an XmlSyntaxError. */
export function parseXml(text: string): XmlNode {
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const tag =
    /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[^?]*\?>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const between = text.slice(last, m.index);
    if (/[<>]/.test(between)) throw new XmlSyntaxError('stray markup');
    if (stack.length) stack[stack.length - 1].text += decodeEntities(between);
    else if (between.trim()) throw new XmlSyntaxError('text outside the root element');
    last = tag.lastIndex;
    if (!m[2]) continue;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name.replace(/^.*:/, '')) throw new XmlSyntaxError(`unexpected </${name}>`);
      continue;
    }
    const node: XmlNode = { name: name.replace(/^.*:/, ''), children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(node);
    else if (root) throw new XmlSyntaxError('a second root element');
    else root = node;
    if (!selfClosing) stack.push(node);
  }
  if (!root || stack.length || text.slice(last).trim()) throw new XmlSyntaxError('unterminated document');
  return root;
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

export function childText(node: XmlNode, name: string): string | undefined {
  return child(node, name)?.text.trim();
}
