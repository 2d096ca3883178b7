import type { BundleFile } from './contents.js';

/**
 * A ustar archive of the files, built in memory (a bundle is a few kB). Entries are bare
 * names, no directory: the printed commands unpack them into a staging directory with
 * `tar -C`, and `sha256sum -c` checks them there without a path prefix. Owner and group are
 * numeric 0 with empty names, so nothing about the issuing machine's users travels; the
 * host's tar gets `--no-same-owner` anyway.
 */
export async function packTar(files: BundleFile[]): Promise<Buffer> {
  // Loaded here, not at the top: only `samctl export` packs, and every command loads this module.
  const { default: tarStream } = await import('tar-stream');
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: Buffer) => chunks.push(chunk));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const file of files) {
    pack.entry({ name: file.name, type: 'file', mode: file.mode, uid: 0, gid: 0, uname: '', gname: '', mtime: file.mtime, size: file.content.length }, file.content);
  }
  pack.finalize();
  return done;
}
