// A workbook part's XML as events, through saxes (well-formedness checked, no DTD entity expanded).
// Names are local (`x:row` → `row`): some writers prefix SpreadsheetML.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { UsageError } from '../errors.js';

export interface XmlHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Text and CDATA. */
  text?(text: string): void;
}

/** saxes holds a node whole until it ends: this much without an event is a part built to exhaust memory. */
const MAX_CHARS_WITHOUT_EVENT = 1024 * 1024;

/** `write` returns after the chunk's events ran. */
export class XmlEvents {
  private readonly parser = new SaxesParser({ xmlns: false, position: false });
  private sinceEvent = 0;

  constructor(
    handlers: XmlHandlers,
    private readonly where: string,
  ) {
    const parser = this.parser;
    parser.on('opentag', (tag: SaxesTagPlain) => {
      this.sinceEvent = 0;
      handlers.open(localName(tag.name), tag.attributes);
    });
    parser.on('closetag', (tag: SaxesTagPlain) => {
      this.sinceEvent = 0;
      handlers.close?.(localName(tag.name));
    });
    const onText = (text: string): void => {
      this.sinceEvent = 0;
      handlers.text?.(text);
    };
    parser.on('text', onText);
    parser.on('cdata', onText);
    parser.on('error', (error: Error) => {
      throw new UsageError(
        `${where} is not well-formed XML (${error.message}); open the workbook in Excel or LibreOffice and save it again as .xlsx`,
        'damaged_workbook',
        { cause: error },
      );
    });
  }

  /** Chunks come as the ZIP stream gives them (16-64 KiB): the count since the last event is off by one chunk at most. */
  write(chunk: string): void {
    this.parser.write(chunk);
    this.sinceEvent += chunk.length;
    if (this.sinceEvent > MAX_CHARS_WITHOUT_EVENT) {
      throw new UsageError(
        `${this.where} holds over ${MAX_CHARS_WITHOUT_EVENT} characters in one XML node (no cell holds that much): the workbook is not read`,
        'workbook_limit',
      );
    }
  }

  end(): void {
    this.parser.close();
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export async function parsePart(chunks: AsyncIterable<string>, handlers: XmlHandlers, where: string): Promise<void> {
  const events = new XmlEvents(handlers, where);
  for await (const chunk of chunks) events.write(chunk);
  events.end();
}
