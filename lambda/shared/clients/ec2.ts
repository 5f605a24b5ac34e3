import { EC2Client } from '@aws-sdk/client-ec2';

/** Created once per Lambda container (module scope), like every client (see auto-scaling.ts). */
export const ec2 = new EC2Client({});
