import { Chalk, type ChalkInstance } from 'chalk';

export interface OutputOptions {
  json: boolean;
  color: boolean;
}

/**
 * Human lines go to stdout unless --json is on; then stdout carries exactly one JSON
 * document. Colour only on a terminal, never with --no-color or NO_COLOR (no-color.org).
 */
export class Output {
  readonly style: ChalkInstance;

  constructor(
    private readonly options: OutputOptions,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    const wantColor = options.color && !process.env.NO_COLOR && Boolean((stdout as { isTTY?: boolean }).isTTY);
    this.style = new Chalk({ level: wantColor ? 1 : 0 });
  }

  get json(): boolean {
    return this.options.json;
  }

  line(text = ''): void {
    if (!this.options.json) this.stdout.write(`${text}\n`);
  }

  /** A warning on stderr, with --json too: something works but deserves a look. */
  warn(text: string): void {
    process.stderr.write(`samctl: warning: ${text}\n`);
  }

  result(value: unknown): void {
    if (this.options.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
