/**
 * Where the local lab lives: the lab starts its servers here and `environments/local*.ts` point at
 * them, both importing this one home (a port changed here moves both; `LAB_VAULT_PORT` moves only
 * the lab, for a second lab beside the first).
 */
export const LAB_HOST = '127.0.0.1';
export const LAB_VAULT_PORT = 18200;
/** OpenBao's address, as the environments that deploy to the lab name it. */
export const LAB_VAULT_ADDRESS = `http://${LAB_HOST}:${LAB_VAULT_PORT}`;
/** The HCP-style namespace the lab's OpenBao serves (HCP Vault's is `admin` too). */
export const LAB_VAULT_NAMESPACE = 'admin';
/** OpenBao's API baseline: the provider sends no fields of newer Vault versions. */
export const LAB_VAULT_API_VERSION = '1.14.0';
/** The EKS cluster the lab's emulator holds, and its region. */
export const LAB_CLUSTER_NAME = 'eks-vault-eso-lab';
export const LAB_REGION = 'us-west-2';
/** The lab's PostgreSQL server, which the database variants' connection points at. */
export const LAB_POSTGRES_PORT = 15432;
/** The user the lab creates for Vault to administer PostgreSQL as (CREATEROLE, no superuser). */
export const LAB_POSTGRES_VAULT_USER = 'vault_admin';
/**
 * The lab's second cluster (`npm run lab -- up --parts clusters`): its own API server, CA,
 * service-account issuer and ESO, held by the emulator in another region.
 */
export const LAB_GREEN_CLUSTER_NAME = 'eks-vault-eso-lab-green';
export const LAB_GREEN_REGION = 'us-east-2';
