import { Navigate, Route, Routes } from 'react-router';
import { useSession } from './api/get-session';
import { useEffect } from 'react';
import { useEventStream } from './api/use-event-stream';
import { metricsStore } from './api/metrics-stream';
import { ErrorBanner, Spinner } from './components/feedback';
import { LoginPage } from './features/auth/login-page';
import { AppShell } from './features/layout/app-shell';
import { BenchmarksPage } from './features/benchmarks/benchmarks-page';
import { ComparePage } from './features/benchmarks/compare-page';
import { RunPage } from './features/benchmarks/run-page';
import { HostPage } from './features/host/host-page';
import { ImagesPage } from './features/images/images-page';
import { SharesPage } from './features/shares/shares-page';
import { DEFAULT_VM_TAB, VmDetailPage } from './features/vms/vm-detail-page';
import { VmListPage } from './features/vms/vm-list-page';
import { UsersPage } from './features/users/users-page';
import { ActivityPage } from './features/activity/activity-page';

export function App() {
  const { data: session, error, isPending } = useSession();
  useEventStream(Boolean(session));
  // Metrics stream from sign-in on, so charts open with the minutes already seen.
  useEffect(() => (session ? metricsStore.acquire() : undefined), [session]);
  if (isPending) return <Spinner label="Starting" />;
  if (error)
    return (
      <div className="p-8">
        <ErrorBanner error={error} />
      </div>
    );
  if (!session) return <LoginPage />;
  return (
    <AppShell>
      <Routes>
        <Route path="/" element={<Navigate to="/vms" replace />} />
        <Route path="/vms" element={<VmListPage />} />
        <Route path="/vms/:id" element={<Navigate to={DEFAULT_VM_TAB} replace />} />
        <Route path="/vms/:id/:tab" element={<VmDetailPage />} />
        <Route path="/images" element={<ImagesPage />} />
        <Route path="/shares" element={<SharesPage />} />
        <Route path="/benchmarks" element={<BenchmarksPage />} />
        <Route path="/benchmarks/compare" element={<ComparePage />} />
        <Route path="/benchmarks/:id" element={<RunPage />} />
        <Route path="/host" element={<HostPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/activity" element={<ActivityPage />} />
        <Route path="*" element={<Navigate to="/vms" replace />} />
      </Routes>
    </AppShell>
  );
}
