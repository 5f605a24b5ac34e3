/**
 * Messages published to SNS topics by the state machine's SNS integration (the approval gates'
 * requests), kept so that tests can read what would have been sent.
 */
export interface PublishedMessage {
  /** Virtual epoch ms. */
  readonly time: number;
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  /** As SNS delivers it: a string (Step Functions serializes a JSON Message). */
  readonly message: string;
}

export class Notifications {
  private readonly messages: PublishedMessage[] = [];

  constructor(private readonly now: () => number) {}

  /** Records one Publish; returns its MessageId. */
  public publish(topicArn: string, message: string, subject?: string): string {
    const messageId = `00000000-0000-4000-b000-${(this.messages.length + 1).toString(16).padStart(12, '0')}`;
    this.messages.push({
      time: this.now(),
      messageId,
      topicArn,
      ...(subject !== undefined ? { subject } : {}),
      message,
    });
    return messageId;
  }

  public list(): readonly PublishedMessage[] {
    return this.messages;
  }
}
