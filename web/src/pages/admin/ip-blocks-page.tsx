// Addresses blocked after repeated failed sign-ins: how often, why, until when; and lifting a block,
// after a confirmation. The server records every look and every lift on the platform audit chain.
import { useCallback, useEffect, useRef, useState } from 'react';
import { adminApi, type IpBlock } from '../../api/admin.js';
import { ApiError } from '../../api/client.js';
import { FormAlert, Notice, problemOf, type FormProblem } from '../../components/form.js';
import { LoadProblem } from '../../components/load-problem.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime, t } from '../../i18n/index.js';
import { AdminFrame } from './admin-frame.js';
import { formatDuration, formatTimestamp } from './format.js';

export function IpBlocksPage() {
  return (
    <AdminFrame title={t('ipBlocks.title')} lead={t('ipBlocks.lead')}>
      <IpBlockList />
    </AdminFrame>
  );
}

function IpBlockList() {
  const load = useCallback(async (signal: AbortSignal) => ({ ...(await adminApi.ipBlocks(signal)), loadedAt: new Date() }), []);
  const blocks = useLoad(load);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);

  function unblocked(message: string) {
    setNotice(message);
    blocks.reload();
    // The row and its buttons are gone: keyboard focus restarts at the list, not at the page top.
    heading.current?.focus();
  }

  return (
    <div className="stack">
      {notice !== undefined && (
        <Notice>
          <p>{notice}</p>
        </Notice>
      )}
      <section className="card" aria-labelledby="ip-blocks-heading">
        <div className="card-header">
          <h2 id="ip-blocks-heading" ref={heading} tabIndex={-1}>
            {t('ipBlocks.listTitle')}
          </h2>
          <div className="inline-controls">
            {blocks.state.kind === 'loaded' && (
              <span className="muted small" role="status">
                {t('ipBlocks.asOf', { time: formatTimestamp(blocks.state.data.loadedAt.toISOString()) })}
              </span>
            )}
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                setNotice(undefined);
                blocks.reload();
              }}
            >
              {t('ipBlocks.refresh')}
            </button>
          </div>
        </div>
        {blocks.state.kind === 'loading' && (
          <p className="muted" role="status">
            {t('common.loading')}
          </p>
        )}
        {blocks.state.kind === 'failed' && <LoadProblem problem={blocks.state.problem} onRetry={blocks.reload} />}
        {blocks.state.kind === 'loaded' &&
          (blocks.state.data.blocks.length === 0 ? (
            <div className="empty-state">
              <p>{t('ipBlocks.none')}</p>
              <p className="muted small">{t('ipBlocks.noneHelp')}</p>
            </div>
          ) : (
            <div className="table-scroll">
              <table className="data-table">
                <caption className="visually-hidden">{t('ipBlocks.caption', { count: blocks.state.data.blocks.length })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('ipBlocks.address')}</th>
                    <th scope="col" className="numeric">
                      {t('ipBlocks.strikes')}
                    </th>
                    <th scope="col">{t('ipBlocks.reason')}</th>
                    <th scope="col">{t('ipBlocks.since')}</th>
                    <th scope="col">{t('ipBlocks.until')}</th>
                    <th scope="col">{t('ipBlocks.retryAfter')}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {blocks.state.data.blocks.map((block) => (
                    <BlockRow key={block.ip} block={block} onUnblocked={unblocked} />
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
    </div>
  );
}

function BlockRow({ block, onUnblocked }: { block: IpBlock; onUnblocked: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const unblockRef = useRef<HTMLButtonElement>(null);
  const cellRef = useRef<HTMLTableCellElement>(null);
  // Focus follows the confirmation in and out, so a keyboard user never lands on the page top.
  const [returnFocus, setReturnFocus] = useState(false);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (returnFocus) unblockRef.current?.focus();
  }, [confirming, returnFocus]);

  useEffect(() => {
    if (problem !== undefined) cellRef.current?.querySelector<HTMLElement>('[data-form-alert]')?.focus();
  }, [problem]);

  async function unblock() {
    setBusy(true);
    setProblem(undefined);
    try {
      await adminApi.unblock(block.ip);
      onUnblocked(t('ipBlocks.unblocked', { ip: block.ip }));
    } catch (error) {
      // The block ran out (or another admin lifted it) meanwhile: the list was out of date.
      if (error instanceof ApiError && error.status === 404) {
        onUnblocked(t('ipBlocks.alreadyGone', { ip: block.ip }));
        return;
      }
      setProblem(problemOf(error));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  function cancel() {
    setReturnFocus(true);
    setConfirming(false);
  }

  return (
    <tr>
      <th scope="row">
        <code>{block.ip}</code>
        {block.ip.includes('/') && <span className="muted small block-note">{t('ipBlocks.prefixNote')}</span>}
      </th>
      <td className="numeric">{block.strikes}</td>
      <td className="cell-reason">
        {block.reason}
        {block.strikes > 1 && <span className="muted small block-note">{t('ipBlocks.firstBlocked', { date: formatDateTime(block.firstBlockedAt) })}</span>}
      </td>
      <td>{formatDateTime(block.blockedAt)}</td>
      <td>{formatDateTime(block.blockedUntil)}</td>
      <td className="nowrap">{formatDuration(block.retryAfterSeconds)}</td>
      <td className="cell-actions" ref={cellRef}>
        <FormAlert problem={problem} />
        {confirming ? (
          <div className="confirm-stacked" role="group" aria-label={t('ipBlocks.confirmLabel', { ip: block.ip })}>
            <p>{t('ipBlocks.confirm', { ip: block.ip })}</p>
            <div className="confirm-buttons">
              <button ref={confirmRef} type="button" className="button-danger" onClick={() => void unblock()} disabled={busy}>
                {busy ? t('form.working') : t('ipBlocks.unblock')}
              </button>
              <button type="button" className="button-secondary" onClick={cancel} disabled={busy}>
                {t('form.cancel')}
              </button>
            </div>
          </div>
        ) : (
          <button
            ref={unblockRef}
            type="button"
            className="button-danger-quiet"
            onClick={() => {
              setProblem(undefined);
              setConfirming(true);
            }}
            aria-label={t('ipBlocks.unblockNamed', { ip: block.ip })}
          >
            {t('ipBlocks.unblock')}
          </button>
        )}
      </td>
    </tr>
  );
}
