/** STS GetCallerIdentity: every caller in the rehearsal is the same operator role session. */
import type { CommandTable } from './commands';

export const REHEARSAL_ROLE_NAME = 'rehearsal-operator';
export const REHEARSAL_SESSION_NAME = 'rehearsal';

export class CallerIdentity {
  constructor(private readonly accountId: string) {}

  public get arn(): string {
    return `arn:aws:sts::${this.accountId}:assumed-role/${REHEARSAL_ROLE_NAME}/${REHEARSAL_SESSION_NAME}`;
  }

  public commands(): CommandTable {
    return {
      GetCallerIdentity: {
        mutating: false,
        params: [],
        run: () => ({
          UserId: `AROAREHEARSALOPERATOR:${REHEARSAL_SESSION_NAME}`,
          Account: this.accountId,
          Arn: this.arn,
        }),
      },
    };
  }
}
