// Builds delivery status notifications shaped like the ones Postfix sends (RFC 3464).

export interface DsnOptions {
  to?: string;
  action?: string;
  status?: string;
  finalRecipient?: string;
  diagnostic?: string;
  /** Extra recipient blocks placed before the main one. */
  otherRecipients?: Array<{ recipient: string; action: string; status: string }>;
  /** Header block of the original message as returned. */
  originalHeaders?: string;
  /** text/rfc822-headers (Postfix default) or the whole message as message/rfc822. */
  returned?: 'headers' | 'message' | 'none';
  reportType?: string;
}

const b64 = (s: string): string => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;

export const ORIGINAL_HEADERS = [
  'Return-Path: <bounce+42@bounces.example.bg>',
  'Received: from izvestia.example.bg (izvestia.example.bg [192.0.2.10])',
  '\tby mx.example.net (Postfix) with ESMTPS id 4F1A2B3C4D',
  '\tfor <ivan.petrov@example.net>; Tue, 24 Nov 2026 09:15:02 +0200 (EET)',
  `From: ${b64('ЕНЕРГО-ПРО Известия')} <izvestia@example.bg>`,
  'To: ivan.petrov@example.net',
  `Subject: ${b64('Напомняне: неплатена фактура')}`,
  'Message-ID: <overdue-1234567890-2026-11-24-1.42@izvestia.example.bg>',
  'X-Izvestie-Message-Id: 42',
  'Auto-Submitted: auto-generated',
  'Date: Tue, 24 Nov 2026 07:15:01 +0000',
  'MIME-Version: 1.0',
].join('\r\n');

export function buildDsn(o: DsnOptions = {}): string {
  const boundary = '4F1A2B3C4D.1764000000/mx.example.net';
  const recipient = o.finalRecipient ?? 'ivan.petrov@example.net';
  const action = o.action ?? 'failed';
  const status = o.status ?? '5.1.1';
  const diagnostic =
    o.diagnostic ?? `smtp; 550 5.1.1 <${recipient}>: Recipient address rejected:\r\n    User unknown in virtual mailbox table`;
  const blocks = [
    ...(o.otherRecipients ?? []).map((r) => [`Final-Recipient: rfc822; ${r.recipient}`, `Action: ${r.action}`, `Status: ${r.status}`].join('\r\n')),
    [
      `Final-Recipient: rfc822; ${recipient}`,
      `Original-Recipient: rfc822;${recipient}`,
      `Action: ${action}`,
      `Status: ${status}`,
      'Remote-MTA: dns; mx2.example.net',
      `Diagnostic-Code: ${diagnostic}`,
    ].join('\r\n'),
  ];
  const returned = o.returned ?? 'headers';
  const original = o.originalHeaders ?? ORIGINAL_HEADERS;
  const parts = [
    [
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.example.net.',
      '',
      "I'm sorry to have to inform you that your message could not",
      'be delivered to one or more recipients. It\'s attached below.',
      '',
      `<${recipient}>: host mx2.example.net said: 550 5.1.1 User unknown`,
    ].join('\r\n'),
    [
      'Content-Description: Delivery report',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      'X-Postfix-Queue-ID: 4F1A2B3C4D',
      'X-Postfix-Sender: rfc822; bounce+42@bounces.example.bg',
      'Arrival-Date: Tue, 24 Nov 2026 09:15:02 +0200 (EET)',
      '',
      blocks.join('\r\n\r\n'),
      '',
    ].join('\r\n'),
  ];
  if (returned === 'headers') {
    parts.push(['Content-Description: Undelivered Message Headers', 'Content-Type: text/rfc822-headers', '', original, ''].join('\r\n'));
  } else if (returned === 'message') {
    parts.push(
      [
        'Content-Description: Undelivered Message',
        'Content-Type: message/rfc822',
        '',
        original,
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Уважаеми г-н Петров, фактура № 0123456789 е с изтекъл срок.',
        '',
      ].join('\r\n'),
    );
  }
  return [
    'Return-Path: <>',
    'Received: by mx.example.net (Postfix) id 5A6B7C8D9E; Tue, 24 Nov 2026 09:15:03 +0200 (EET)',
    'Date: Tue, 24 Nov 2026 09:15:03 +0200 (EET)',
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${o.to ?? 'bounce+42@bounces.example.bg'}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=${o.reportType ?? 'delivery-status'};`,
    `\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 8bit',
    'Message-Id: <20261124071503.5A6B7C8D9E@mx.example.net>',
    '',
    'This is a MIME-encapsulated message.',
    '',
    ...parts.map((p) => `--${boundary}\r\n${p}`),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
