/**
 * The contract suites against the in-memory fakes that the core unit tests run on.
 */
import { MemoryAliases, MemoryKeys } from '../fakes/memory-store'
import { MemorySecrets } from '../fakes/memory-secrets'
import { MemoryAudit } from '../../core/domain/audit/memory-audit.fake'
import { MemoryIam } from '../../core/domain/principals/memory-iam.fake'
import { describeKeyRepositoryContract } from './key-repository.contract'
import { describeAliasRepositoryContract } from './alias-repository.contract'
import { describeSecretRepositoryContract } from './secret-repository.contract'
import { describeIamRepositoryContract } from './iam-repository.contract'
import { describeAuditRepositoryContract } from './audit-repository.contract'

describeKeyRepositoryContract('in-memory fake', () => new MemoryKeys())
describeAliasRepositoryContract('in-memory fake', () => new MemoryAliases())
describeSecretRepositoryContract('in-memory fake', () => new MemorySecrets())
describeIamRepositoryContract('in-memory fake', () => {
  const iam = new MemoryIam()
  return { iam, credentials: iam }
})
describeAuditRepositoryContract('in-memory fake', () => new MemoryAudit())
