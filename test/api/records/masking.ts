import { expect } from 'chai';
import { maskPersonal, seesPersonalData } from '../../../services/api/records/masking.js';

const INSURER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const CLIENT = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
const AUDITOR = '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f';
const OTHER_CLIENT = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';

const personal = {
  idNumber: 'X1234-5678-9012',
  phone: '+44 20 7946 0958',
  bankAccount: 'GB29 NWBK 6016 1331 9268 19',
  email: 'jane.doe@example.com',
  dateOfBirth: '1984-07-21',
  fullName: 'Jane Doe',
  address: '1 High Street, London',
};
const document = { registrant: INSURER, dataSubjects: [CLIENT] };

describe('maskPersonal', () => {
  it('shows the registrant insurer every personal field in clear', () => {
    expect(maskPersonal(personal, { account: INSURER.toLowerCase(), roles: ['INSURER'] }, document)).to.deep.equal(
      personal,
    );
  });

  it('shows the data subject client its own document in clear', () => {
    expect(maskPersonal(personal, { account: CLIENT, roles: ['CLIENT'] }, document)).to.deep.equal(personal);
  });

  it('masks for an auditor: last 4 of numbers, the domain of e-mails, the year of birth, initials', () => {
    expect(maskPersonal(personal, { account: AUDITOR, roles: ['AUDITOR'] }, document)).to.deep.equal({
      idNumber: '*****-****-9012',
      phone: '+** ** **** 0958',
      bankAccount: '**** **** **** **** **68 19',
      email: '***@example.com',
      dateOfBirth: '1984-**-**',
      fullName: 'J. D.',
      address: '***',
    });
  });

  it('masks for another client, an unauthenticated caller, and an account that is registrant without the role', () => {
    const masked = maskPersonal(personal, { account: OTHER_CLIENT, roles: ['CLIENT'] }, document);
    expect(masked.idNumber).to.equal('*****-****-9012');
    expect(seesPersonalData(null, document)).to.be.false;
    expect(seesPersonalData({ account: INSURER, roles: [] }, document)).to.be.false;
  });

  it('masks short values whole, unknown fields whole, nested fields by name, and leaves its argument unchanged', () => {
    const input = { phone: '123', passportNumber: 'P998877', note: 'VIP', beneficiary: { email: 'a@b.org' }, age: 41 };
    const copy = structuredClone(input);
    expect(maskPersonal(input, null, document)).to.deep.equal({
      phone: '***',
      passportNumber: '***8877',
      note: '***',
      beneficiary: { email: '***@b.org' },
      age: '***',
    });
    expect(input).to.deep.equal(copy);
  });
});
