/**
 * `cdk-blue-green-ec2/rehearsal`: rehearse releases and rollbacks of a synthesized service offline,
 * against a simulated AWS region on a virtual clock. Needs the optional peer dependencies named
 * in `OPTIONAL_PEERS.rehearsal` (the local Step Functions interpreter and the AWS SDK clients the
 * step handlers call); without them, importing this entry point says what to install.
 */
import { assertOptionalPeers } from '../optional-peers';

assertOptionalPeers('cdk-blue-green-ec2/rehearsal', ['rehearsal']);

export * from '../rehearsal';
