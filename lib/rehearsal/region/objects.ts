/** The S3 subset a release needs: does the artifact of a version exist (HeadObject)? */
import { serviceError } from './errors';
import type { CommandInput, CommandTable } from './commands';

interface StoredObject {
  readonly size: number;
  readonly lastModified: number;
}

export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  constructor(private readonly now: () => number) {}

  /** @param size bytes; @default 1024 */
  public putObject(bucket: string, key: string, size = 1024): void {
    this.objects.set(`${bucket}/${key}`, { size, lastModified: this.now() });
  }

  public commands(): CommandTable {
    return {
      HeadObject: { mutating: false, params: ['Bucket', 'Key'], run: (input) => this.headObject(input) },
    };
  }

  private headObject(input: CommandInput): Record<string, unknown> {
    const object = this.objects.get(`${input.Bucket}/${input.Key}`);
    // A HEAD response has no body, so a missing key or bucket reaches the SDK as a bare 404,
    // which it names `NotFound` (message `UnknownError`).
    if (!object) throw serviceError('S3', 'NotFound', 'UnknownError', 404);
    return {
      ContentLength: object.size,
      ContentType: 'application/octet-stream',
      ETag: `"${etag(`${input.Bucket}/${input.Key}`)}"`,
      LastModified: new Date(object.lastModified),
      AcceptRanges: 'bytes',
    };
  }
}

function etag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(4);
}
