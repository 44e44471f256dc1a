/**
 * `policyledger certificate <file|hash>`: downloads a document's evidence certificate (`GET /v1/certificates/{hash}`,
 * public), the JSON file that lets anyone check the document later without the API (`verify-certificate`).
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { documentOf } from '../document-input.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

interface CertificateOptions {
  output?: string;
}

/** The parts of a certificate the summary names (the whole file is kept as the API sent it). */
interface CertificateSummary {
  documentHash: string;
  chainId: string;
  issuedAt: string;
  anchor: { blockNumber: number; transactionHash: string; registrant: string; anchoredAt: string } | null;
  batch: { merkleRoot: string; blockNumber: number; transactionHash: string; anchoredAt: string } | null;
  versionChain: { version: number; statusAtIssue: string } | null;
  coSignatures: { state: string }[];
}

export function certificateCommand(): Command {
  return new Command('certificate')
    .summary("download a document's evidence certificate")
    .description(
      'Downloads the evidence certificate of a document (by its file, hashed here, or its hash) from the API: a JSON ' +
        'file holding the anchor, the batch proof and every co-signature, so that the document can be checked later ' +
        'without the API (policyledger verify-certificate). Without -o the certificate is written to stdout.',
    )
    .argument('<file|hash>', 'the document, or its 0x SHA-256 hash')
    .option('-o, --output <file>', 'save the certificate to this file and print a summary')
    .addHelpText(
      'after',
      `
Examples:
  $ policyledger certificate policy.pdf -o policy.certificate.json
  $ policyledger certificate 0x3f5a…c1d2 > certificate.json`,
    )
    .action(async (document: string, options: CertificateOptions, command: Command) => {
      process.exitCode = await runCertificate(contextOf(command), document, options);
    });
}

function summaryLines(certificate: CertificateSummary): string[] {
  const lines: string[] = [];
  const { anchor, batch, versionChain } = certificate;
  if (anchor !== null) {
    lines.push(
      `  anchored in block ${anchor.blockNumber} at ${anchor.anchoredAt}, tx ${anchor.transactionHash}, by ${anchor.registrant}`,
    );
  }
  if (batch !== null) {
    lines.push(`  in the batch of root ${batch.merkleRoot}, block ${batch.blockNumber}, tx ${batch.transactionHash}`);
  }
  if (versionChain !== null) lines.push(`  version ${versionChain.version}, ${versionChain.statusAtIssue} at issue`);
  const signed = certificate.coSignatures.filter((coSignature) => coSignature.state === 'signed').length;
  if (certificate.coSignatures.length > 0) {
    lines.push(`  co-signatures: ${signed} of ${certificate.coSignatures.length} signed`);
  }
  return lines;
}

export async function runCertificate(ctx: CliContext, value: string, options: CertificateOptions): Promise<ExitCode> {
  const { documentHash } = await documentOf(value);
  const response = await ctx.api().request('GET', `/v1/certificates/${documentHash}`);
  const text = await response.text();
  let certificate: CertificateSummary;
  try {
    certificate = JSON.parse(text) as CertificateSummary;
  } catch {
    throw new CliError(`GET /v1/certificates/${documentHash} answered something that is not JSON`);
  }
  if (options.output === undefined) {
    ctx.out.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT.OK;
  }
  try {
    await writeFile(options.output, text.endsWith('\n') ? text : `${text}\n`);
  } catch (error) {
    throw new CliError(`cannot write ${options.output}: ${(error as Error).message}`);
  }
  if (ctx.out.json) {
    ctx.out.document({
      file: options.output,
      documentHash: certificate.documentHash,
      chainId: certificate.chainId,
      issuedAt: certificate.issuedAt,
      anchor: certificate.anchor,
      batch: certificate.batch,
      statusAtIssue: certificate.versionChain?.statusAtIssue ?? null,
    });
  } else {
    ctx.out.print(
      `certificate of ${certificate.documentHash} (chain ${certificate.chainId}) saved to ${options.output}`,
    );
    for (const line of summaryLines(certificate)) ctx.out.print(line);
    ctx.out.print(`check it any time, without the API: policyledger verify-certificate ${options.output} --rpc <node>`);
  }
  return EXIT.OK;
}
