/**
 * After a chain lost its newest blocks, webhook positions past its head move back to it: the events mined again at
 * those heights come after the positions and are delivered; a position the chain still holds is left alone.
 */
import { expect } from 'chai';
import { openApiDatabase } from '../../../services/api/database.js';
import {
  createWebhook,
  findWebhook,
  initWebhooksSchema,
  rewindPositionsAfter,
} from '../../../services/api/events/webhooks.js';

describe('webhook positions after the chain lost blocks', function () {
  it('moves back to the end of the head block only the positions past it', function () {
    const db = openApiDatabase(':memory:');
    initWebhooksSchema(db);
    const at = (position: string) =>
      createWebhook(db, {
        owner: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
        url: 'https://receiver.example/hook',
        eventTypes: ['PolicySettled'],
        filter: {},
        position,
      }).webhook.id;
    const behind = at('95-2');
    const inHead = at('100-4');
    const lost = at('103-0');

    expect(rewindPositionsAfter(db, 100)).to.deep.equal([lost]);
    expect(findWebhook(db, behind)!.position).to.equal('95-2');
    expect(findWebhook(db, inHead)!.position).to.equal('100-4');
    expect(findWebhook(db, lost)!.position).to.equal('100-999999999');
    expect(rewindPositionsAfter(db, 100)).to.deep.equal([]);
    db.close();
  });
});
