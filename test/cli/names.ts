/**
 * The CLI repeats a few of the ledger layer's enum lists (to start without loading ethers); they must stay the same.
 */
import { expect } from 'chai';
import { DOCUMENT_TYPES } from '../../services/ledger/documents.js';
import { POLICY_STATUSES } from '../../services/ledger/policies.js';
import * as cli from '../../services/cli/names.js';

describe('policyledger: the contracts’ names it offers', () => {
  it('offers the document types and policy statuses of the ledger layer', () => {
    expect(cli.DOCUMENT_TYPES).to.deep.equal(DOCUMENT_TYPES);
    expect(cli.POLICY_STATUSES).to.deep.equal(POLICY_STATUSES);
  });
});
