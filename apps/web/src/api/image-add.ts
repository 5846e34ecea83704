import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ErrorResponse, Image, ImageCreate, ImageImport, Job } from '@strata/contract';
import { ApiError, api, getCsrfToken } from './client';
import { keys } from './keys';

export interface UploadRequest {
  file: File;
  name: string;
  format: 'qcow2' | 'raw';
  onProgress?: (fraction: number) => void;
}

/**
 * The file goes as the raw request body through XMLHttpRequest, which reports upload progress
 * (fetch does not); the server streams it to disk and answers with the import job.
 */
function uploadImage({ file, name, format, onProgress }: UploadRequest): Promise<Job> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/images/upload?${new URLSearchParams({ name, format }).toString()}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-csrf-token', getCsrfToken());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload was cut off (over the size limit, or the server is unreachable)'));
    xhr.onload = () => {
      let data: Partial<ErrorResponse> & Partial<Job> = {};
      try {
        data = JSON.parse(xhr.responseText) as typeof data;
      } catch {
        // not JSON: the status says enough
      }
      if (xhr.status === 202) resolve(data as Job);
      else reject(new ApiError(xhr.status, data.code ?? 'error', data.message ?? xhr.statusText, data.field));
    };
    xhr.send(file);
  });
}

/** Adding images: a blank one, one from the import directory, one uploaded from this browser. */
export function useImageAdd() {
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.images });
  const track = () => void qc.invalidateQueries({ queryKey: keys.jobs });
  return {
    create: useMutation({ mutationFn: (body: ImageCreate) => api<Image>('POST', '/images', body), onSuccess: refresh }),
    importFile: useMutation({ mutationFn: (body: ImageImport) => api<Job>('POST', '/images/import', body), onSuccess: track }),
    upload: useMutation({ mutationFn: uploadImage, onSuccess: track }),
  };
}
