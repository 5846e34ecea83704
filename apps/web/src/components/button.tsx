import type { ButtonHTMLAttributes } from 'react';

// Hover colours only while enabled, so a disabled button never reacts as if it could be pressed.
const variants = {
  primary: 'bg-indigo-600 text-white enabled:hover:bg-indigo-500',
  secondary:
    'border border-slate-300 bg-white text-slate-800 enabled:hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:enabled:hover:bg-slate-800',
  danger: 'bg-red-600 text-white enabled:hover:bg-red-500',
  ghost: 'text-slate-600 enabled:hover:bg-slate-100 dark:text-slate-300 dark:enabled:hover:bg-slate-800',
};

/** The focus ring is the app-wide one in index.css: 2px, offset, in a colour that reads on every variant. */
export function Button({
  variant = 'secondary',
  className = '',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof variants }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium shadow-sm transition-colors disabled:cursor-not-allowed disabled:opacity-45 disabled:shadow-none disabled:saturate-50 ${variants[variant]} ${className}`}
    />
  );
}
